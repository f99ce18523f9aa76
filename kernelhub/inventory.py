"""What backends exist and what each can do here: the rows of `kernelhub backends`."""

from __future__ import annotations

from kernelhub.models import Availability, BackendInfo
from kernelhub.plugins import Registry


def backend_infos(reg: Registry) -> list[BackendInfo]:
    dist = {p.name: p.distribution for p in reg.plugins}
    out = []
    for name, backend in sorted(reg.backends.items()):
        try:
            avail = backend.probe()
        except Exception as e:  # a probe must not take the listing down
            avail = Availability(compile=False, run=False, time=False,
                                 reasons={"probe": f"probe failed: {type(e).__name__}: {e}"})
        device = None
        if avail.compile or avail.run:
            try:
                device = backend.device_info()
            except Exception as e:
                avail.notes.append(f"device_info failed: {type(e).__name__}: {e}")
        plugin = reg.backend_plugin[name]
        out.append(BackendInfo(name=name, languages=list(backend.languages), description=backend.description,
                               plugin=plugin, distribution=dist.get(plugin), availability=avail, device=device,
                               test_only=backend.test_only))
    return out
