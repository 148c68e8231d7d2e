"""Fake upstreams: real aiohttp servers on 127.0.0.1 speaking each provider's API."""

from .base import FakeResponse, FakeUpstream, FakeUsage, RecordedRequest, upstream_map_env

__all__ = ["FakeResponse", "FakeUpstream", "FakeUsage", "RecordedRequest", "upstream_map_env"]
