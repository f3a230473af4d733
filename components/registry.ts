/**
 * Every service the stack config has a section for. Adding one is its plug-in
 * (`services/<name>.ts`: its section, defaults, sizing and docs; and, for a
 * service the composition does not wire itself, its `compose`) and one entry
 * here.
 */
import type { z } from "zod";
import type { ServicePlugin } from "./plugin";
import { backend } from "./services/backend";
import { exporters } from "./services/exporters";
import { ingress } from "./services/ingress";
import { minio } from "./services/minio";
import { postgres } from "./services/postgres";
import { redis } from "./services/redis";
import { tasks } from "./services/tasks";
import { workers } from "./services/workers";

export const SERVICES = [backend, workers, postgres, redis, minio, ingress, tasks, exporters] as const;

/** Each service's own config section, under its name. */
export type ServiceSections = { [S in (typeof SERVICES)[number] as S["name"]]: z.output<S["config"]["schema"]> };

export type { ServicePlugin };
