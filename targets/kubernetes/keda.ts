/**
 * KEDA's side of a Redis queue: the trigger on the list's length and the
 * TriggerAuthentication that reads it as the scaler's own Redis user (LLEN on
 * the queue and nothing else). The pool's ScaledObject and the tasks'
 * ScaledJob both use them, each in its own namespace.
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import type * as pulumi from "@pulumi/pulumi";
import type { Autoscaling } from "../contract";

export type RedisQueue = NonNullable<Autoscaling["queue"]>;

export const KEDA_API_VERSION = "keda.sh/v1alpha1";

/** The trigger: this many queued jobs per replica (per Job, for a ScaledJob: 1). */
export function redisListTrigger(q: RedisQueue, authenticationName: string) {
    return {
        type: "redis",
        metadata: { address: `${q.service.host}:${q.service.ports[q.port]}`, listName: q.listName, listLength: String(q.listLength) },
        authenticationRef: { name: authenticationName },
    };
}

/** The scaler's credentials, from the Secret that holds them in the trigger's namespace. */
export function redisTriggerAuthentication(
    name: string,
    metadata: { name: string; namespace: string; labels: Record<string, string> },
    q: RedisQueue,
    secretName: (handleName: string) => string,
    opts: pulumi.CustomResourceOptions,
): CustomResource {
    return new CustomResource(
        name,
        {
            apiVersion: KEDA_API_VERSION,
            kind: "TriggerAuthentication",
            metadata,
            spec: {
                secretTargetRef: [
                    { parameter: "username", name: secretName(q.username.secret.name), key: q.username.key },
                    { parameter: "password", name: secretName(q.password.secret.name), key: q.password.key },
                ],
            },
        },
        opts,
    );
}
