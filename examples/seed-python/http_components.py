# http_components.py
import sys, pathlib  # changed: the generated package `python` lives in generated/ of this repository
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "generated"))
from python import StepflowServer  # changed: was stepflow_sdk
import msgspec
import uvicorn
import argparse
from typing import Optional

# Create the core server (transport-agnostic)
server = StepflowServer()

class DistributedProcessingInput(msgspec.Struct):
    task_id: str
    data: dict
    processing_mode: str = "standard"
    priority: int = 1

class DistributedProcessingOutput(msgspec.Struct):
    task_id: str
    result: dict
    processing_time_ms: int
    server_id: str
    session_id: Optional[str] = None

@server.component
def distributed_processing(input: DistributedProcessingInput) -> DistributedProcessingOutput:
    """Process data in a distributed environment."""
    import time
    import os
    import uuid

    start_time = time.time()

    # Simulate distributed processing
    processed_data = {
        "original_data": input.data,
        "processed_by": f"server-{os.getpid()}",
        "task_id": input.task_id,
        "mode": input.processing_mode,
        "priority": input.priority,
        "timestamp": time.time()
    }

    # Simulate processing time based on priority
    processing_delay = max(0.1, 1.0 / input.priority)
    time.sleep(processing_delay)

    processing_time = int((time.time() - start_time) * 1000)

    return DistributedProcessingOutput(
        task_id=input.task_id,
        result=processed_data,
        processing_time_ms=processing_time,
        server_id=f"server-{os.getpid()}",
        session_id=str(uuid.uuid4())
    )

class HealthCheckOutput(msgspec.Struct):
    status: str
    server_id: str
    uptime_seconds: int

@server.component
def health_check() -> HealthCheckOutput:
    """Health check endpoint for monitoring."""
    import time
    import os

    return HealthCheckOutput(
        status="healthy",
        server_id=f"server-{os.getpid()}",
        uptime_seconds=int(time.time() - getattr(server, '_start_time', time.time()))
    )

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Distributed Component Server")
    parser.add_argument("--port", type=int, default=8080, help="HTTP port")
    parser.add_argument("--host", default="0.0.0.0", help="Host to bind to")
    args = parser.parse_args()

    # Track startup time
    import time
    server._start_time = time.time()

    # Create and run the HTTP server
    app = server.create_http_app()
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
