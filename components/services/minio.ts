/** MinIO's config section: the warm artifact tier and its volume. */
import { z } from "zod";
import { bucket, resources, storage, storageClass } from "../../config/fields";
import { sizing } from "../../config/sizing";
import type { ServicePlugin } from "../plugin";

const section = z.strictObject({ resources, storageSize: storage, storageClass, bucket });

export const minio: ServicePlugin<"minio", typeof section> = {
    name: "minio",
    description: "the artifact store",
    config: {
        schema: section,
        defaults: { resources: sizing("250m", "1", "512Mi", "1Gi"), storageSize: "100Gi", storageClass: null, bucket: "quorvex-artifacts" },
        // singleHost: the seed's 1.5GB.
        sizing: (table) => (table === "singleHost" ? { resources: sizing("250m", "1", "512Mi", "1536Mi") } : {}),
        docs: {
            storageSize: "MinIO volume size.",
            storageClass: "Storage class of the MinIO PVC.",
            bucket: "Artifact bucket; objects expire after `archive.totalDays - archive.hotDays` days.",
        },
    },
};
