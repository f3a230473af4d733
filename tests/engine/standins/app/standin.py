"""
The stand-in for the Quorvex backend and browser-worker images: small, ours,
and honouring the image contract docs/images.md states ("What the images must
provide"), so that the engine tier can show the program's wiring works with
real containers. It runs no browser: a job's "work" is a report of the
container it ran in (user, /dev/shm size), stored as the job's artifact.

    standin.py backend   the API: /health/ready, /health/live, rows as the app
                         role, jobs onto the queue, artifacts read back from
                         MinIO; in standard mode a WebSocket on the VNC port
    standin.py worker    pops jobs from the queue as its Redis user, puts each
                         artifact with its MinIO user; /health/*, /drain

Credentials come from the environment (DATABASE_URL, REDIS_URL, MINIO_*), as
the program hands them; a name ending in _FILE is read from that file first.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2
import redis


def env(name, default=None):
    path = os.environ.get(name + "_FILE")
    if path:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    return os.environ.get(name, default)


def log(*parts):
    print(f"[standin {sys.argv[1]}]", *parts, flush=True)


def mc_env():
    """MinIO's client, told its alias in the environment (never on a command line)."""
    endpoint = env("MINIO_ENDPOINT")
    scheme, _, hostport = endpoint.partition("://")
    e = dict(os.environ)
    e["MC_CONFIG_DIR"] = "/tmp/.mc"
    e["MC_HOST_store"] = f"{scheme}://{env('MINIO_ACCESS_KEY')}:{env('MINIO_SECRET_KEY')}@{hostport}"
    return e


def put_object(key, data):
    subprocess.run(["mc", "pipe", "--quiet", f"store/{env('MINIO_BUCKET')}/{key}"], input=data, env=mc_env(), check=True, capture_output=True)


def get_object(key):
    return subprocess.run(["mc", "cat", f"store/{env('MINIO_BUCKET')}/{key}"], env=mc_env(), check=True, capture_output=True).stdout


def queue():
    return redis.Redis.from_url(env("REDIS_URL"), socket_timeout=10)


class Handler(BaseHTTPRequestHandler):
    routes = {}

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def dispatch(self, method):
        for (m, prefix), fn in self.routes.items():
            if m == method and (self.path == prefix or (prefix.endswith("/") and self.path.startswith(prefix))):
                try:
                    return fn(self)
                except Exception as e:  # the reason, for the test that asked
                    return self.reply(500, {"error": f"{type(e).__name__}: {e}"})
        return self.reply(404, {"error": "not found"})

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""


def serve(port, routes):
    handler = type("H", (Handler,), {"routes": routes})
    server = ThreadingHTTPServer(("0.0.0.0", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ---------------------------------------------------------------- backend


def db():
    return psycopg2.connect(env("DATABASE_URL"), connect_timeout=5)


def backend():
    port = int(env("PORT", "8000"))
    stopping = threading.Event()

    def ready(h):
        if stopping.is_set():
            return h.reply(503, {"ready": False, "reason": "stopping"})
        with db() as conn, conn.cursor() as cur:
            cur.execute("SELECT 1")
        if env("REDIS_URL"):
            queue().ping()
        h.reply(200, {"ready": True})

    def whoami(h):
        with db() as conn, conn.cursor() as cur:
            cur.execute("SELECT current_user, (SELECT version_num FROM alembic_version)")
            user, revision = cur.fetchone()
        out = {"database_user": user, "revision": revision, "mode": env("EXECUTION_MODE"), "uid": os.getuid(), "hostname": socket.gethostname()}
        if env("REDIS_URL"):
            out["redis_user"] = queue().execute_command("ACL", "WHOAMI").decode()
        h.reply(200, out)

    def add_item(h):
        with db() as conn, conn.cursor() as cur:
            cur.execute("INSERT INTO items (value) VALUES (%s) RETURNING id", (h.body().decode(),))
            h.reply(201, {"id": cur.fetchone()[0]})

    def items(h):
        with db() as conn, conn.cursor() as cur:
            cur.execute("SELECT id, value FROM items ORDER BY id")
            h.reply(200, [{"id": i, "value": v} for i, v in cur.fetchall()])

    def sql(h):
        """Any statement as the app role: how a test asks what that role may do."""
        try:
            with db() as conn, conn.cursor() as cur:
                cur.execute(h.body().decode())
                rows = cur.fetchall() if cur.description else []
            h.reply(200, {"ok": True, "rows": [list(map(str, r)) for r in rows]})
        except psycopg2.Error as e:
            h.reply(200, {"ok": False, "error": str(e).strip()})

    def lists():
        """The default pool's list (""), then each named pool's (the image contract: BROWSER_POOL_QUEUES)."""
        return {"": env("BROWSER_JOB_QUEUE"), **json.loads(env("BROWSER_POOL_QUEUES") or "{}")}

    def push_job(h, pool=""):
        name = lists().get(pool)
        if name is None:
            return h.reply(404, {"error": f"no pool {pool}"})
        job = {"id": uuid.uuid4().hex, "payload": h.body().decode()}
        queue().lpush(name, json.dumps(job))
        h.reply(202, {"id": job["id"], "queue": name})

    def push_pool_job(h):
        # POST /pools/<pool>/jobs: a job for that pool, on its list.
        push_job(h, h.path.split("/")[2])

    def job(h):
        job_id = h.path.rsplit("/", 1)[1]
        for name in lists().values():
            key = queue().get(f"{name}:done:{job_id}")
            if key is not None:
                return h.reply(200, get_object(key.decode()), "application/json")
        h.reply(404, {"done": False})

    def artifact(h):
        h.reply(200, get_object(h.path.split("/artifacts/", 1)[1]), "application/octet-stream")

    server = serve(
        port,
        {
            ("GET", "/health/ready"): ready,
            ("GET", "/health/live"): lambda h: h.reply(200, {"live": True}),
            ("GET", "/whoami"): whoami,
            ("POST", "/items"): add_item,
            ("GET", "/items"): items,
            ("POST", "/sql"): sql,
            ("POST", "/jobs"): push_job,
            ("POST", "/pools/"): push_pool_job,
            ("GET", "/jobs/"): job,
            ("GET", "/artifacts/"): artifact,
        },
    )
    if env("VNC_ENABLED") == "true":
        threading.Thread(target=vnc, args=(int(env("VNC_WEBSOCKET_PORT", "6080")),), daemon=True).start()
    log(f"serving on :{port} as uid {os.getuid()}, mode {env('EXECUTION_MODE')}")

    def stop(*_):
        # Finish the open requests (the contract: SIGTERM), then exit.
        stopping.set()
        server.shutdown()
        log("stopped")
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        time.sleep(3600)


def vnc(port):
    """The VNC stream's WebSocket (websockify in the real image): echoes, so a test sees the upgrade work end to end."""
    import asyncio

    import websockets

    async def echo(ws, _path=None):
        async for message in ws:
            await ws.send(message)

    async def main():
        async with websockets.serve(echo, "0.0.0.0", port):
            await asyncio.Future()

    asyncio.run(main())


# ---------------------------------------------------------------- worker


def shm_bytes():
    return shutil.disk_usage("/dev/shm").total


def worker():
    port = int(env("HEALTH_PORT", "8001"))
    name = env("BROWSER_JOB_QUEUE")
    draining = threading.Event()
    idle = threading.Event()
    idle.set()
    # What happened as it stopped, in order: its last words (the container's termination message).
    events = []

    def note(event):
        events.append(event)
        log(event)

    def drain(h):
        # Stop taking jobs; answer once the job in hand is done (at once when idle).
        note("drain")
        draining.set()
        idle.wait()
        h.reply(200, {"drained": True})

    serve(
        port,
        {
            ("GET", "/health/ready"): lambda h: h.reply(503 if draining.is_set() else 200, {"ready": not draining.is_set()}),
            ("GET", "/health/live"): lambda h: h.reply(200, {"live": True}),
            ("GET", "/drain"): drain,
        },
    )

    def stop(*_):
        note("sigterm")
        draining.set()

    signal.signal(signal.SIGTERM, stop)
    # A task takes this many jobs, and leaves at once when the queue is empty (the image contract).
    max_jobs = int(env("WORKER_MAX_JOBS", "0"))
    taken = 0
    log(f"taking jobs from {name} as uid {os.getuid()}")
    r = queue()
    while not draining.is_set() and (max_jobs == 0 or taken < max_jobs):
        try:
            item = r.brpop([name], timeout=1)
        except redis.RedisError as e:
            log(f"queue: {e}")
            time.sleep(1)
            continue
        if item is None:
            if max_jobs:
                break
            continue
        taken += 1
        idle.clear()
        try:
            job = json.loads(item[1])
            delay = float(json.loads(job["payload"] or "{}").get("seconds", 0)) if job["payload"].startswith("{") else 0
            time.sleep(delay)
            report = {
                "job": job["id"],
                "payload": job["payload"],
                "worker": socket.gethostname(),
                "uid": os.getuid(),
                "shm_bytes": shm_bytes(),
            }
            key = f"jobs/{job['id']}.json"
            put_object(key, json.dumps(report).encode())
            r.set(f"{name}:done:{job['id']}", key)
            note(f"job {job['id']} done")
        except Exception as e:
            log(f"job failed: {type(e).__name__}: {e}")
        finally:
            idle.set()
    log("done: exiting" if max_jobs and not draining.is_set() else "drained: exiting")
    try:
        with open("/dev/termination-log", "w") as f:
            f.write("\n".join(events))
    except OSError:
        pass
    sys.exit(0)


if __name__ == "__main__":
    {"backend": backend, "worker": worker}[sys.argv[1]]()
