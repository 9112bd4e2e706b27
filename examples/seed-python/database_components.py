# database_components.py
import sys, pathlib  # changed: the generated package `python` lives in generated/ of this repository
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "generated"))
from python import StepflowStdioServer  # changed: was stepflow_sdk
import msgspec
import asyncio
import sqlite_pool as asyncpg  # changed: a sqlite3 stand-in with asyncpg's pool API (README)
from typing import Optional, List, Dict, Any
import json

server = StepflowStdioServer()

# Global connection pool
_connection_pools = {}

class DatabaseQueryInput(msgspec.Struct):
    connection_string: str
    query: str
    parameters: Optional[List] = None
    fetch_mode: str = "all"  # "all", "one", "none"
    timeout: int = 30

class DatabaseQueryOutput(msgspec.Struct):
    success: bool
    rows: Optional[List[Dict[str, Any]]] = None
    row_count: int = 0
    execution_time_ms: int = 0
    error_message: Optional[str] = None

async def get_connection_pool(connection_string: str):
    """Get or create a connection pool for the given connection string."""
    if connection_string not in _connection_pools:
        _connection_pools[connection_string] = await asyncpg.create_pool(
            connection_string,
            min_size=1,
            max_size=10,
            command_timeout=30
        )
    return _connection_pools[connection_string]

@server.component
async def database_query(input: DatabaseQueryInput) -> DatabaseQueryOutput:
    """Execute database queries with connection pooling."""
    import time
    start_time = time.time()

    try:
        pool = await get_connection_pool(input.connection_string)

        async with pool.acquire() as connection:
            if input.fetch_mode == "none":
                # Execute without fetching (INSERT, UPDATE, DELETE)
                result = await connection.execute(input.query, *(input.parameters or []))
                row_count = int(result.split()[-1]) if result.split() else 0
                rows = None
            elif input.fetch_mode == "one":
                # Fetch single row
                row = await connection.fetchrow(input.query, *(input.parameters or []))
                rows = [dict(row)] if row else []
                row_count = len(rows)
            else:
                # Fetch all rows
                result = await connection.fetch(input.query, *(input.parameters or []))
                rows = [dict(row) for row in result]
                row_count = len(rows)

        execution_time = int((time.time() - start_time) * 1000)

        return DatabaseQueryOutput(
            success=True,
            rows=rows,
            row_count=row_count,
            execution_time_ms=execution_time,
            error_message=None
        )

    except Exception as e:
        execution_time = int((time.time() - start_time) * 1000)
        return DatabaseQueryOutput(
            success=False,
            rows=None,
            row_count=0,
            execution_time_ms=execution_time,
            error_message=str(e)
        )

# Bulk operations component
class BulkInsertInput(msgspec.Struct):
    connection_string: str
    table_name: str
    records: List[Dict[str, Any]]
    batch_size: int = 1000
    upsert_key: Optional[List[str]] = None

class BulkInsertOutput(msgspec.Struct):
    success: bool
    records_processed: int
    batches_processed: int
    execution_time_ms: int
    error_message: Optional[str] = None

@server.component
async def bulk_insert(input: BulkInsertInput) -> BulkInsertOutput:
    """Perform bulk insert operations with batching."""
    import time
    start_time = time.time()

    try:
        pool = await get_connection_pool(input.connection_string)
        records_processed = 0
        batches_processed = 0

        # Process records in batches
        for i in range(0, len(input.records), input.batch_size):
            batch = input.records[i:i + input.batch_size]

            async with pool.acquire() as connection:
                async with connection.transaction():
                    if input.upsert_key:
                        # Implement upsert logic
                        for record in batch:
                            columns = list(record.keys())
                            values = list(record.values())
                            placeholders = ', '.join(f'${i+1}' for i in range(len(values)))

                            upsert_query = f"""
                                INSERT INTO {input.table_name} ({', '.join(columns)})
                                VALUES ({placeholders})
                                ON CONFLICT ({', '.join(input.upsert_key)})
                                DO UPDATE SET {', '.join(f'{col} = EXCLUDED.{col}' for col in columns if col not in input.upsert_key)}
                            """
                            await connection.execute(upsert_query, *values)
                    else:
                        # Simple insert
                        if batch:
                            columns = list(batch[0].keys())
                            values_list = [list(record.values()) for record in batch]

                            query = f"""
                                INSERT INTO {input.table_name} ({', '.join(columns)})
                                VALUES ({', '.join(f'${i+1}' for i in range(len(columns)))})
                            """
                            await connection.executemany(query, values_list)

            records_processed += len(batch)
            batches_processed += 1

        execution_time = int((time.time() - start_time) * 1000)

        return BulkInsertOutput(
            success=True,
            records_processed=records_processed,
            batches_processed=batches_processed,
            execution_time_ms=execution_time,
            error_message=None
        )

    except Exception as e:
        execution_time = int((time.time() - start_time) * 1000)
        return BulkInsertOutput(
            success=False,
            records_processed=records_processed,
            batches_processed=batches_processed,
            execution_time_ms=execution_time,
            error_message=str(e)
        )

if __name__ == "__main__":
    server.run()
