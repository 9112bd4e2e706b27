"""Serve the seed's components: ``python server.py`` (HTTP, prints ``{"port": N}``) or ``--stdio``.

HTTP is what StepFlow 0.9 launches in subprocess mode (``stepflow-config.yml``); ``--stdio`` is
for runtimes that speak STDIO; ``--host``, ``--port``, ``--log-level`` as usual.
"""

from seed_components import impl
from seed_components.generated import create_server

server = create_server(impl)

if __name__ == "__main__":
    server.main()
