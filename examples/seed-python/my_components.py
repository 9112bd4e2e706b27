# my_components.py
import sys, pathlib  # changed: the generated package `python` lives in generated/ of this repository
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "generated"))
from python import StepflowStdioServer, StepflowContext  # changed: was stepflow_sdk
import msgspec
import datetime
import requests
from typing import Optional

# Create the server instance
server = StepflowStdioServer()

# Define input/output schemas using msgspec
class ProcessDataInput(msgspec.Struct):
    data: dict
    processing_rules: Optional[dict] = None
    include_metadata: bool = True

class ProcessDataOutput(msgspec.Struct):
    processed_data: dict
    metadata: dict
    processing_time_ms: int

# Simple data processing component
@server.component
def process_data(input: ProcessDataInput, context: StepflowContext) -> ProcessDataOutput:
    """Process data according to specified rules with metadata tracking."""
    import time
    start_time = time.time()

    # Apply processing rules
    processed = input.data.copy()
    rules = input.processing_rules or {}

    for key, value in processed.items():
        if isinstance(value, str):
            # Apply string transformations
            if rules.get('uppercase', False):
                processed[key] = value.upper()
            elif rules.get('lowercase', False):
                processed[key] = value.lower()
            elif rules.get('title_case', False):
                processed[key] = value.title()

    # Add metadata if requested
    metadata = {}
    if input.include_metadata:
        metadata = {
            'processed_at': datetime.datetime.now().isoformat(),
            'original_keys': list(input.data.keys()),
            'processed_keys': list(processed.keys()),
            'rules_applied': rules,
            'component_version': '1.0.0'
        }

    processing_time = int((time.time() - start_time) * 1000)

    return ProcessDataOutput(
        processed_data=processed,
        metadata=metadata,
        processing_time_ms=processing_time
    )

# HTTP client component with retries
class HttpRequestInput(msgspec.Struct):
    url: str
    method: str = "GET"
    headers: Optional[dict] = None
    json_data: Optional[dict] = None
    timeout: int = 30
    retries: int = 3

class HttpRequestOutput(msgspec.Struct, kw_only=True):  # changed: seed bug, a required field follows optional ones (msgspec TypeError)
    success: bool
    status_code: int
    data: Optional[dict] = None
    error_message: Optional[str] = None
    response_time_ms: int
    attempts_made: int

@server.component
def http_request(input: HttpRequestInput, context: StepflowContext) -> HttpRequestOutput:
    """Make HTTP requests with automatic retries and error handling."""
    import time
    start_time = time.time()

    headers = input.headers or {}
    headers.setdefault('User-Agent', 'StepFlow-Component/1.0')

    last_error = None

    for attempt in range(input.retries + 1):
        try:
            response = requests.request(
                method=input.method,
                url=input.url,
                headers=headers,
                json=input.json_data,
                timeout=input.timeout
            )

            response_time = int((time.time() - start_time) * 1000)

            # Try to parse JSON response
            try:
                data = response.json() if response.content else None
            except ValueError:
                data = {"text": response.text} if response.text else None

            return HttpRequestOutput(
                success=response.status_code < 400,
                status_code=response.status_code,
                data=data,
                error_message=None if response.status_code < 400 else f"HTTP {response.status_code}",
                response_time_ms=response_time,
                attempts_made=attempt + 1
            )

        except Exception as e:
            last_error = str(e)
            if attempt < input.retries:
                time.sleep(2 ** attempt)  # Exponential backoff
                continue

    response_time = int((time.time() - start_time) * 1000)

    return HttpRequestOutput(
        success=False,
        status_code=0,
        data=None,
        error_message=last_error,
        response_time_ms=response_time,
        attempts_made=input.retries + 1
    )

# Component that uses blob storage
class CacheDataInput(msgspec.Struct):
    key: str
    data: dict
    ttl_minutes: int = 60

class CacheDataOutput(msgspec.Struct):
    blob_id: str
    cache_key: str
    expires_at: str

@server.component
async def cache_data(input: CacheDataInput, context: StepflowContext) -> CacheDataOutput:
    """Cache data using StepFlow's blob storage with metadata."""

    # Create cache entry with metadata
    cache_entry = {
        'data': input.data,
        'cached_at': datetime.datetime.now().isoformat(),
        'ttl_minutes': input.ttl_minutes,
        'expires_at': (datetime.datetime.now() + datetime.timedelta(minutes=input.ttl_minutes)).isoformat(),
        'cache_key': input.key
    }

    # Store in blob storage using context
    blob_id = await context.put_blob(cache_entry)

    return CacheDataOutput(
        blob_id=blob_id,
        cache_key=input.key,
        expires_at=cache_entry['expires_at']
    )

class RetrieveCacheInput(msgspec.Struct):
    blob_id: str

class RetrieveCacheOutput(msgspec.Struct):
    found: bool
    data: Optional[dict] = None
    is_expired: bool = False
    cached_at: Optional[str] = None

@server.component
async def retrieve_cache(input: RetrieveCacheInput, context: StepflowContext) -> RetrieveCacheOutput:
    """Retrieve cached data with expiration checking."""

    try:
        # Get data from blob storage
        cache_entry = await context.get_blob(input.blob_id)

        # Check if expired
        expires_at = datetime.datetime.fromisoformat(cache_entry['expires_at'])
        is_expired = datetime.datetime.now() > expires_at

        return RetrieveCacheOutput(
            found=True,
            data=cache_entry['data'] if not is_expired else None,
            is_expired=is_expired,
            cached_at=cache_entry['cached_at']
        )

    except Exception:
        return RetrieveCacheOutput(
            found=False,
            data=None,
            is_expired=False,
            cached_at=None
        )

# --- from "Best Practices for Custom Components" / "Error Handling" ---
from python import StepflowStdioServer, StepflowContext  # changed: was stepflow_sdk
import msgspec
from typing import Optional
import logging

# Configure logging
logging.basicConfig(level=logging.INFO)
logger = logging.getLogger(__name__)

class ComponentError(Exception):
    """Custom exception for component errors."""

    def __init__(self, message: str, error_code: str = "COMPONENT_ERROR"):
        self.message = message
        self.error_code = error_code
        super().__init__(message)

class RobustProcessingInput(msgspec.Struct):
    data: dict
    strict_mode: bool = False
    max_retries: int = 3

class RobustProcessingOutput(msgspec.Struct):
    success: bool
    processed_data: Optional[dict] = None
    error_message: Optional[str] = None
    error_code: Optional[str] = None
    retries_attempted: int = 0

@server.component
def robust_processing(input: RobustProcessingInput, context: StepflowContext) -> RobustProcessingOutput:
    """Component with comprehensive error handling and retry logic."""

    retries = 0
    last_error = None

    while retries <= input.max_retries:
        try:
            logger.info(f"Processing attempt {retries + 1} for data: {list(input.data.keys())}")

            # Validate input data
            if not input.data:
                raise ComponentError("Input data is empty", "EMPTY_INPUT")

            # Simulate processing that might fail
            processed = {}
            for key, value in input.data.items():
                if not isinstance(value, (str, int, float)):
                    if input.strict_mode:
                        raise ComponentError(f"Invalid data type for key {key}", "INVALID_TYPE")
                    else:
                        logger.warning(f"Skipping invalid data type for key {key}")
                        continue

                # Process the value
                if isinstance(value, str):
                    processed[key] = value.strip().title()
                else:
                    processed[key] = value

            logger.info(f"Successfully processed {len(processed)} fields")

            return RobustProcessingOutput(
                success=True,
                processed_data=processed,
                retries_attempted=retries
            )

        except ComponentError as e:
            logger.error(f"Component error on attempt {retries + 1}: {e.message}")
            last_error = e
            if input.strict_mode or retries >= input.max_retries:
                return RobustProcessingOutput(
                    success=False,
                    error_message=e.message,
                    error_code=e.error_code,
                    retries_attempted=retries
                )
            retries += 1

        except Exception as e:
            logger.error(f"Unexpected error on attempt {retries + 1}: {str(e)}")
            last_error = e
            if retries >= input.max_retries:
                return RobustProcessingOutput(
                    success=False,
                    error_message=f"Unexpected error: {str(e)}",
                    error_code="UNEXPECTED_ERROR",
                    retries_attempted=retries
                )
            retries += 1

    # If we get here, all retries failed
    return RobustProcessingOutput(
        success=False,
        error_message=f"Failed after {input.max_retries + 1} attempts: {str(last_error)}",
        error_code="MAX_RETRIES_EXCEEDED",
        retries_attempted=retries
    )

# --- from "Best Practices for Custom Components" / "Performance Optimization" ---
# High-performance component patterns
import asyncio
import concurrent.futures
from typing import List

class BatchProcessingInput(msgspec.Struct):
    items: List[dict]
    batch_size: int = 100
    max_workers: int = 4

class BatchProcessingOutput(msgspec.Struct):
    processed_items: List[dict]
    processing_stats: dict

@server.component
async def batch_processing(input: BatchProcessingInput, context: StepflowContext) -> BatchProcessingOutput:
    """High-performance batch processing with parallel execution."""

    def process_single_item(item: dict) -> dict:
        """Process a single item (CPU-intensive work)."""
        # Simulate processing
        return {
            **item,
            'processed': True,
            'checksum': hash(str(item))
        }

    # Use thread pool for CPU-intensive work
    with concurrent.futures.ThreadPoolExecutor(max_workers=input.max_workers) as executor:
        # Process items in batches
        all_results = []
        batch_count = 0

        for i in range(0, len(input.items), input.batch_size):
            batch = input.items[i:i + input.batch_size]
            batch_count += 1

            # Submit batch to thread pool
            futures = [executor.submit(process_single_item, item) for item in batch]

            # Collect results
            batch_results = []
            for future in concurrent.futures.as_completed(futures):
                batch_results.append(future.result())

            all_results.extend(batch_results)

        return BatchProcessingOutput(
            processed_items=all_results,
            processing_stats={
                'total_items': len(input.items),
                'batches_processed': batch_count,
                'batch_size': input.batch_size,
                'workers_used': input.max_workers
            }
        )

# Run the server
if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Component Server")
    parser.add_argument("--http", action="store_true", help="Run in HTTP mode")
    parser.add_argument("--port", type=int, default=8080, help="HTTP port")
    args = parser.parse_args()

    if args.http:
        import uvicorn
        # Create HTTP app from server
        app = server.create_http_app()
        uvicorn.run(app, host="0.0.0.0", port=args.port)
    else:
        # Run in STDIO mode
        server.run()
