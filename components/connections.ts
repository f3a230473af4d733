/**
 * Connections: what a data service hands one consumer. Where the service is,
 * and the credential it gives that consumer, as references the consumer puts
 * in its env under its own names. No component knows another's secret keys,
 * and a service decides per consumer what it hands out.
 */
import type { SecretRef, ServiceHandle, TaskHandle } from "../targets/contract";

interface Connection {
    /** The service: what the consumer connects to and waits for. */
    readonly service: ServiceHandle;
    readonly host: string;
    readonly port: number;
}

export interface DatabaseConnection extends Connection {
    readonly database: string;
    readonly user: string;
    readonly password: SecretRef;
    /** `postgresql://user:password@host:port/db` */
    readonly url: SecretRef;
    /** The tasks that create the consumer's role: it connects after them. */
    readonly setup: TaskHandle[];
}

export interface QueueConnection extends Connection {
    /** The name of the service's port (a scaler that reads the queue connects there). */
    readonly portName: string;
    /** The consumer's own ACL user, and its password. */
    readonly user: string;
    readonly username: SecretRef;
    readonly password: SecretRef;
    /** `redis://user:password@host:port/0` */
    readonly url: SecretRef;
}

export interface ObjectStoreConnection extends Connection {
    /** `http://host:port` */
    readonly endpoint: string;
    readonly accessKey: SecretRef;
    readonly secretKey: SecretRef;
    /** The tasks that make the store usable (its buckets): a consumer starts after them. */
    readonly setup: TaskHandle[];
}

/**
 * Who asked a service for a connection, and so holds its credential: a service's
 * record of its consumers, in the order they asked.
 */
export class Consumers {
    private readonly names: string[] = [];

    /** Records `consumer` (once) and returns what it gets. */
    hand<C>(consumer: string, connection: C): C {
        if (!this.names.includes(consumer)) this.names.push(consumer);
        return connection;
    }

    list(): readonly string[] {
        return [...this.names];
    }
}
