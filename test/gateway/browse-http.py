# Stock DNS-SD browser (Debian python3-zeroconf): browse _http._tcp.local. and print each
# resolved instance as a JSON line, then fetch its status over HTTP. argv[1]: seconds to run.
import json, sys, time, urllib.request
from zeroconf import ServiceBrowser, ServiceStateChange, Zeroconf

TYPE = "_http._tcp.local."
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
            addrs = info.parsed_addresses()
            status = None
            if addrs:
                # what a browser would do: the resolved address and port, the TXT path
                url = "http://%s:%d%sapi/v1/status" % (addrs[0], info.port, props.get("path", "/"))
                try:
                    status = json.load(urllib.request.urlopen(url, timeout=5))
                except Exception as e:
                    status = {"error": str(e)}
            print(json.dumps({"event": "service", "name": name, "server": info.server, "port": info.port,
                              "addresses": addrs, "properties": props, "status": status}), flush=True)
        time.sleep(0.2)
finally:
    browser.cancel()
    zc.close()
