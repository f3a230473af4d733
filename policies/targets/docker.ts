/** The pack's reader of the Docker provider's resources (`docker:`). */
import { dockerLabels, type Obj } from "../lib/json";
import { MARKERS } from "../lib/markers";
import { quantityToCores } from "../lib/quantity";
import { markerList, matchesAny, type TargetReader } from "./reader";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
const NETWORK = "docker:index/network:Network";

const containerName = (name: string, props: Obj) => `docker.Container \`${typeof props.name === "string" ? props.name : name}\``;

export const dockerReader: TargetReader = {
    owns: (type) => type.startsWith("docker:"),
    inert: (type) => type === NETWORK,
    isWorkload: (type) => type === CONTAINER,
    containers(type, name, props, browserPatterns) {
        if (type !== CONTAINER) return [];
        const labels = dockerLabels(props.labels);
        const image = typeof props.image === "string" ? props.image : undefined;
        const memory = typeof props.memory === "number" ? props.memory : undefined;
        return [
            {
                where: containerName(name, props),
                field: "",
                image,
                memoryLimitMiB: memory && memory > 0 ? memory : undefined,
                memoryRequestMiB: typeof props.memoryReservation === "number" ? props.memoryReservation : undefined,
                hasMemoryRequests: false,
                cpuLimitCores: quantityToCores(props.cpus),
                cpuRequestCores: undefined,
                shmMiB: typeof props.shmSize === "number" ? props.shmSize : undefined,
                runsBrowsers: labels[MARKERS.runsBrowsers] === "true" || matchesAny(image, browserPatterns),
                rootCredentials: markerList(labels[MARKERS.rootCredentials]),
                secretRefs: [],
                stateful: labels[MARKERS.statefulData] !== undefined,
                initContainer: false,
                longRunning: props.mustRun !== false && props.attach !== true,
                onSharedHost: true,
                fields: { memoryLimit: "memory", memoryRequest: "memoryReservation", cpuLimit: "cpus", shm: "shmSize", shmHowTo: "`shmSize`" },
            },
        ];
    },
    images(type, name, props) {
        if (type === REMOTE_IMAGE && typeof props.name === "string" && props.name)
            return [{ image: props.name, where: `docker.RemoteImage \`${name}\``, field: "name" }];
        if (type === CONTAINER && typeof props.image === "string" && props.image)
            return [{ image: props.image, where: containerName(name, props), field: "image" }];
        return [];
    },
    dataHolder(type, name, props) {
        if (type !== VOLUME) return undefined;
        return {
            shown: `docker.Volume \`${(typeof props.name === "string" && props.name) || name}\``,
            labels: dockerLabels(props.labels),
            mountsOthers: false,
        };
    },
};
