/** Validates a Kubernetes object against the official schemas, offline (kubernetes-models). */
type Model = new (data: Record<string, unknown>) => { validate(): void };

const KEDA_GROUP = "keda.sh/";
const GATEWAY_GROUP = "gateway.networking.k8s.io/";

export function modelFor(apiVersion: string, kind: string): Model {
    const base = apiVersion.startsWith(KEDA_GROUP)
        ? `@kubernetes-models/keda/${apiVersion}/${kind}`
        : apiVersion.startsWith(GATEWAY_GROUP)
          ? `@kubernetes-models/gateway-api/${apiVersion}/${kind}`
          : `kubernetes-models/${apiVersion}/${kind}`;
    const mod = require(base) as Record<string, Model>;
    const model = mod[kind];
    if (!model) throw new Error(`no schema model for ${apiVersion} ${kind}`);
    return model;
}

/** Throws with the schema's message when the object is invalid. */
export function validateObject(object: Record<string, unknown>): void {
    const Model = modelFor(String(object.apiVersion), String(object.kind));
    new Model(object).validate();
}
