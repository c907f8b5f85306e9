# Stock DNS-SD browser (Debian python3-zeroconf): browse _p2p._udp.local. and print each
# resolved instance as a JSON line. argv[1]: seconds to run.
import json, sys, time
from zeroconf import ServiceBrowser, ServiceStateChange, Zeroconf

TYPE = "_p2p._udp.local."
zc = Zeroconf()
pending, done = set(), set()

def on_change(zeroconf, service_type, name, state_change):
    if state_change is ServiceStateChange.Added:
        pending.add(name)

browser = ServiceBrowser(zc, TYPE, handlers=[on_change])
deadline = time.time() + float(sys.argv[1])
try:
    while time.time() < deadline:
        for name in sorted(pending - done):
            info = zc.get_service_info(TYPE, name, 3000)
            if info is None:
                continue
            done.add(name)
            props = {k.decode(): (v.decode() if v is not None else None) for k, v in info.properties.items()}
            print(json.dumps({"event": "service", "name": name, "server": info.server, "port": info.port,
                              "addresses": info.parsed_addresses(), "properties": props}), flush=True)
        time.sleep(0.2)
finally:
    browser.cancel()
    zc.close()
