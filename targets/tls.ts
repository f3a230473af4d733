import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { RouteSpec } from "./contract";

/**
 * The certificate a route serves when the platform holds it itself: generated
 * (`selfSigned`, for dev) or given in config (`provided`). The key stays secret.
 * Other modes (an existing secret, cert-manager, none) return null.
 */
export function routeCertificate(spec: RouteSpec, parent: pulumi.Resource): { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> } | null {
    if (spec.tls.mode === "provided") {
        return { certPem: pulumi.output(spec.tls.certificate!), keyPem: pulumi.secret(spec.tls.key!) };
    }
    if (spec.tls.mode !== "selfSigned") return null;
    const key = new tls.PrivateKey(`${spec.role}-tls-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
    const cert = new tls.SelfSignedCert(
        `${spec.role}-tls-cert`,
        {
            privateKeyPem: key.privateKeyPem,
            subject: { commonName: spec.host, organization: "quorvex (self-signed)" },
            dnsNames: [spec.host],
            validityPeriodHours: 24 * 365,
            earlyRenewalHours: 24 * 30,
            allowedUses: ["key_encipherment", "digital_signature", "server_auth"],
        },
        { parent },
    );
    return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
}
