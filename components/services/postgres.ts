/** Postgres's config section: the database, its volume and its bootstrap superuser. */
import { z } from "zod";
import { databaseName, resources, roleBase, storage, storageClass } from "../../config/fields";
import { sizing } from "../../config/sizing";
import type { ServicePlugin } from "../plugin";

const section = z.strictObject({ resources, storageSize: storage, storageClass, database: databaseName, user: roleBase });

export const postgres: ServicePlugin<"postgres", typeof section> = {
    name: "postgres",
    description: "the database",
    config: {
        schema: section,
        // cluster: the seed's PostgreSQL pod (256Mi requested, 1Gi at most).
        defaults: { resources: sizing("250m", "1", "256Mi", "1Gi"), storageSize: "20Gi", storageClass: null, database: "quorvex", user: "quorvex" },
        // singleHost: the seed's 4GB.
        sizing: (table) => (table === "singleHost" ? { resources: sizing("500m", "2", "1Gi", "4Gi") } : {}),
        docs: {
            storageSize: "Postgres volume size (PVC on Kubernetes).",
            storageClass: "Storage class of the Postgres PVC; null: the cluster default.",
            database: "Database name.",
            user: "The bootstrap superuser, used only by the server and its roles task; the roles `<user>_migrate` (owns the database), `<user>_app` (the backend: rows only), `<user>_backup` (reads all) and `<user>_reader` (other teams) are made from it.",
        },
    },
};
