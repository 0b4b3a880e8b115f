"""HTTP scaffolding shared by the services: the container protocol over aiohttp.

Routes: `POST /service_output`, `GET /`, `GET /service-resources[?model_id=]`. Every error is
JSON `{code, name, description}` with the HTTP status as `code`. Model work runs on a thread
pool (SERVICE_THREADS, default 2 x CPUs, at most 32) so the event loop keeps answering.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from aiohttp import web

from .errors import ServiceError, bad_request

log = logging.getLogger("infernet.services")

ONCHAIN, OFFCHAIN, STREAM = 0, 1, 2


@dataclass
class ServiceRequest:
    source: int
    destination: int
    data: Any
    requires_proof: bool


class Service:
    """What a service provides; `handle` runs on the thread pool."""

    service_id = "service"
    version = "2.0.0"
    greeting = "Infernet service"
    generates_proofs = False  # True: requires_proof is accepted (the EZKL service)

    def preload(self) -> None:
        pass

    def handle(self, request: ServiceRequest) -> Any:
        raise NotImplementedError

    def supports(self, model_id: str) -> bool:
        return False

    def compute_capability(self) -> list:
        return []


def parse_request(body: Any) -> ServiceRequest:
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object "
                          "{source, destination, data, requires_proof}")
    for key in ("source", "destination", "data"):
        if key not in body:
            raise bad_request(f"missing required field '{key}'")
    locations = {ONCHAIN: "ONCHAIN", OFFCHAIN: "OFFCHAIN", STREAM: "STREAM"}
    for key in ("source", "destination"):
        value = body[key]
        if isinstance(value, bool) or value not in locations:
            raise bad_request(f"invalid field '{key}': must be 0 (ONCHAIN), 1 (OFFCHAIN) or "
                              f"2 (STREAM), got {value!r}")
    proof = body.get("requires_proof", False)
    if proof is None:
        proof = False
    if not isinstance(proof, bool):
        raise bad_request(f"invalid field 'requires_proof': must be a boolean, got {proof!r}")
    return ServiceRequest(body["source"], body["destination"], body["data"], proof)


def error_response(error: ServiceError) -> web.Response:
    return web.json_response(error.json(), status=error.status)


def build_app(service: Service, threads: int | None = None) -> web.Application:
    workers = threads or int(os.getenv("SERVICE_THREADS", "0") or 0) or min(32, 2 * (os.cpu_count() or 1))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=service.service_id)
    resources_document: dict[str, Any] = {}
    # SERVICE_INLINE=1 runs requests on the event loop itself: less overhead for tiny models,
    # but one slow request (a model load, a big model) then stalls every other request.
    inline = os.getenv("SERVICE_INLINE", "").lower() in ("1", "true", "yes")

    @web.middleware
    async def errors(request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            return await handler(request)
        except ServiceError as error:
            if error.status >= 500:
                log.error("%s %s: %s", request.method, request.path, error.description)
            return error_response(error)
        except web.HTTPException as error:
            if error.status < 400:
                raise
            return error_response(ServiceError(error.status, error.reason or error.text or ""))
        except Exception as error:  # the service stays up whatever a request does
            log.exception("%s %s failed", request.method, request.path)
            return error_response(ServiceError(500, f"service '{service.service_id}' failed: "
                                                    f"{type(error).__name__}: {error}"))

    async def index(_: web.Request) -> web.Response:
        return web.Response(text=service.greeting)

    async def resources(request: web.Request) -> web.Response:
        model_id = request.query.get("model_id")
        if model_id:
            try:
                return web.json_response({"supported": bool(service.supports(model_id))})
            except ServiceError as error:
                return web.json_response({"supported": False, "error": error.description})
        if not resources_document:
            loop = asyncio.get_running_loop()
            hardware = await loop.run_in_executor(pool, hardware_capabilities)
            resources_document.update({
                "version": "0.1.0",
                "service_id": service.service_id,
                "hardware_capabilities": hardware,
            })
        document = dict(resources_document)
        document["compute_capability"] = service.compute_capability()
        return web.json_response(document)

    async def service_output(request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise bad_request(f"malformed JSON body: {error}") from None
        parsed = parse_request(body)
        if parsed.requires_proof and not service.generates_proofs:
            raise bad_request(f"invalid field 'requires_proof': service '{service.service_id}' "
                              "does not generate proofs")
        if parsed.destination == STREAM:
            raise bad_request(f"service '{service.service_id}' does not stream "
                              "(destination 2 is not supported)")
        if inline:
            output = service.handle(parsed)
        else:
            output = await asyncio.get_running_loop().run_in_executor(pool, service.handle, parsed)
        return web.Response(body=json.dumps(output).encode(), content_type="application/json")

    app = web.Application(middlewares=[errors], client_max_size=int(os.getenv("SERVICE_MAX_BODY",
                                                                              str(64 << 20))))
    app.router.add_get("/", index)
    app.router.add_get("/service-resources", resources)
    app.router.add_post("/service_output", service_output)

    async def close_pool(_: web.Application) -> None:
        pool.shutdown(wait=False, cancel_futures=True)

    app.on_cleanup.append(close_pool)
    return app


def run(factory: Callable[[], Service]) -> None:
    """Serves on HOST (127.0.0.1) : PORT (3000); preloads the default model first."""
    logging.basicConfig(level=os.getenv("LOG_LEVEL", "INFO").upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    service = factory()
    host = os.getenv("HOST", "127.0.0.1")
    try:
        port = int(os.getenv("PORT", "3000"))
    except ValueError:
        raise SystemExit(f"PORT must be an integer, got {os.getenv('PORT')!r}")
    try:
        service.preload()
    except ServiceError as error:
        log.error("could not preload the default model (requests will retry): %s", error.description)
    log.info("%s %s listening on http://%s:%d", service.service_id, service.version, host, port)
    web.run_app(build_app(service), host=host, port=port, access_log=None, print=None,
                handle_signals=True, shutdown_timeout=5.0)


# ---------------------------------------------------------------------------------------------


def hardware_capabilities() -> list:
    """The host, in the shape ServiceKit (Swift) and the reference services use."""
    cores = []
    model = vendor = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key, value = key.strip(), value.strip()
                if key == "model name" and not model:
                    model = value
                elif key == "vendor_id" and not vendor:
                    vendor = value
                elif key == "cpu MHz":
                    cores.append({"id": len(cores), "frequency": float(value)})
    except OSError:
        pass
    mem_total = mem_available = 0
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                fields = line.split()
                if fields[0] == "MemTotal:":
                    mem_total = int(fields[1]) * 1024
                elif fields[0] == "MemAvailable:":
                    mem_available = int(fields[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    disk = shutil.disk_usage("/")
    base = {
        "capability_id": "base",
        "os_info": {"name": platform.system(), "version": f"{platform.release()} {platform.version()}"},
        "cpu_info": {"model": model, "architecture": platform.machine(),
                     "byte_order": "Little Endian" if sys.byteorder == "little" else "Big Endian",
                     "vendor_id": vendor, "num_cores": os.cpu_count() or 0, "cores": cores},
        "memory_info": {"total": mem_total, "available": mem_available},
        "disk_info": [{"filesystem": "", "mount_point": "/", "size": disk.total,
                       "used": disk.used, "available": disk.free}],
    }
    capabilities: list = [base]
    gpu = _nvidia_smi()
    if gpu:
        capabilities.append(gpu)
    return capabilities


def _nvidia_smi() -> dict | None:
    if not shutil.which("nvidia-smi"):
        return None
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=index,name,memory.total,memory.used,driver_version",
             "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    gpus, driver = [], "N/A"
    for line in out.stdout.strip().splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 5:
            continue
        gpus.append({"name": parts[1], "memory_total": int(float(parts[2])) << 20,
                     "memory_used": int(float(parts[3])) << 20, "cuda_device_id": int(parts[0])})
        driver = parts[4]
    return {"capability_id": "gpu", "driver_version": driver, "cuda_version": "N/A", "gpu_info": gpus}
