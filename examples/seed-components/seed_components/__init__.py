"""The seed's Python components on stubs generated from their JSON Schemas.

``generated/`` is written by stepflow-codegen (never edit it); ``impl.py`` is the implementation
(never generated); ``../server.py`` serves it.
"""
