"""The agent interface: transport-free tools, an MCP server over them, a gymnasium
environment, multi-turn feedback, and a scripted agent.

Nothing here is imported by ``import kernelhub``; ``mcp`` and ``gymnasium`` are optional
(extra ``agent``) and imported only by ``mcp_server`` and ``env``.
"""
