import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * A generated credential, secret from birth. Letters and digits only (safe in
 * URLs and shell); a new `rotation` value generates a new one.
 */
export function generatedSecret(name: string, length: number, rotation: string | undefined, parent: pulumi.Resource): pulumi.Output<string> {
    const value = new random.RandomPassword(name, { length, special: false, keepers: { rotation: rotation ?? "0" } }, { parent });
    return pulumi.secret(value.result);
}
