# Stock DNS-SD browser (Debian python3-zeroconf): browse a service type and print each
# resolved instance as a JSON line. Shared by discovery's mDNS namespace test (_p2p._udp)
# and the gateway's (_http._tcp).
# usage: dns-sd-browse.py TYPE SECONDS [--status]
#   --status: also fetch <address>:<port><TXT path>api/v1/status over HTTP, as a web
#   browser would, and add it to the line as "status".
import json, sys, time, urllib.request
from zeroconf import ServiceBrowser, ServiceStateChange, Zeroconf

TYPE, SECONDS = sys.argv[1], float(sys.argv[2])
WITH_STATUS = "--status" in sys.argv[3:]
zc = Zeroconf()
pending, done = set(), set()

def on_change(zeroconf, service_type, name, state_change):
    if state_change is ServiceStateChange.Added:
        pending.add(name)

def fetch_status(addrs, port, props):
    if not addrs:
        return None
    # what a browser would do: the resolved address and port, the TXT path
    url = "http://%s:%d%sapi/v1/status" % (addrs[0], port, props.get("path", "/"))
    try:
        return json.load(urllib.request.urlopen(url, timeout=5))
    except Exception as e:
        return {"error": str(e)}

browser = ServiceBrowser(zc, TYPE, handlers=[on_change])
deadline = time.time() + SECONDS
try:
    while time.time() < deadline:
        for name in sorted(pending - done):
            info = zc.get_service_info(TYPE, name, 3000)
            if info is None:
                continue
            done.add(name)
            props = {k.decode(): (v.decode() if v is not None else None) for k, v in info.properties.items()}
            addrs = info.parsed_addresses()
            line = {"event": "service", "name": name, "server": info.server, "port": info.port,
                    "addresses": addrs, "properties": props}
            if WITH_STATUS:
                line["status"] = fetch_status(addrs, info.port, props)
            print(json.dumps(line), flush=True)
        time.sleep(0.2)
finally:
    browser.cancel()
    zc.close()
