"""The real nova bed's set-up through the OpenStack APIs (one Python process instead of dozens of CLI runs).

  setup.py keystone OPENRC PASSWORD PLACEMENT-PORT GLANCE-PORT NEUTRON-PORT NOVA-PORT
      service project, service users (roles admin and service: nova sends a service token), catalog
  setup.py ready OPENRC COMPUTES
      waits for every API, wakes neutron, uploads an image, makes the flavors, waits for the computes
"""
import re
import sys
import time

from keystoneauth1 import session
from keystoneauth1.identity import v3


def admin_session(openrc):
    env = dict(re.findall(r"^export (\w+)=(.*)$", open(openrc).read(), re.M))
    auth = v3.Password(auth_url=env["OS_AUTH_URL"], username=env["OS_USERNAME"], password=env["OS_PASSWORD"],
                       project_name=env["OS_PROJECT_NAME"], user_domain_name="Default", project_domain_name="Default")
    return session.Session(auth=auth)


def keystone(s, password, ports):
    ks = {"service_type": "identity", "interface": "public"}

    def find_or_create(kind, key, body, **query):
        found = s.get(f"/{kind}", endpoint_filter=ks, params=query).json()[kind]
        if found:
            return found[0]["id"]
        return s.post(f"/{kind}", endpoint_filter=ks, json={key: body}).json()[key]["id"]

    project = find_or_create("projects", "project", {"name": "service", "domain_id": "default"}, name="service")
    roles = [find_or_create("roles", "role", {"name": r}, name=r) for r in ("admin", "service")]
    for user in ("nova", "placement", "glance", "neutron"):
        uid = find_or_create("users", "user", {"name": user, "domain_id": "default", "password": password}, name=user)
        for role in roles:
            s.put(f"/projects/{project}/users/{uid}/roles/{role}", endpoint_filter=ks)
    placement, glance, neutron, nova = ports
    for name, kind, url in (("placement", "placement", f"http://127.0.0.1:{placement}"),
                            ("glance", "image", f"http://127.0.0.1:{glance}"),
                            ("neutron", "network", f"http://127.0.0.1:{neutron}"),
                            ("nova", "compute", f"http://127.0.0.1:{nova}/v2.1")):
        sid = find_or_create("services", "service", {"name": name, "type": kind}, type=kind)
        for interface in ("public", "internal", "admin"):
            s.post("/endpoints", endpoint_filter=ks,
                   json={"endpoint": {"service_id": sid, "interface": interface, "url": url, "region_id": "RegionOne"}})


def until(what, check, seconds=300):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as err:  # not up yet: connection refused, 5xx
            last = err
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}: {last}")


def ready(s, computes):
    def ok(kind, path, **kw):
        r = s.get(path, endpoint_filter={"service_type": kind, "interface": "public"}, raise_exc=False, **kw)
        return r if r.status_code < 300 else None

    nova = {"service_type": "compute", "interface": "public"}
    micro = {"OpenStack-API-Version": "compute 2.79", "X-OpenStack-Nova-API-Version": "2.79"}
    until("placement", lambda: ok("placement", "/"))
    until("glance", lambda: ok("image", "/v2/images"))
    # neutron 21 answers 500 on GET /v2.0/ports until its API worker has run another query.
    until("neutron networks", lambda: ok("network", "/v2.0/networks"))
    until("neutron ports", lambda: ok("network", "/v2.0/ports"))
    until("nova-api", lambda: ok("compute", "/flavors"))
    img = {"service_type": "image", "interface": "public"}
    image = s.post("/v2/images", endpoint_filter=img,
                   json={"name": "cirros", "disk_format": "raw", "container_format": "bare", "visibility": "public"}).json()
    s.put(f"/v2/images/{image['id']}/file", endpoint_filter=img, data=b"\0" * 1024,
          headers={"Content-Type": "application/octet-stream"})
    until("the image to be active", lambda: s.get(f"/v2/images/{image['id']}", endpoint_filter=img).json()["status"] == "active")
    # m1.enormous: more memory than any fake host has (800000 MB), so a server of it ends in ERROR.
    for name, ram in (("m1.tiny", 64), ("m1.enormous", 4_000_000)):
        s.post("/flavors", endpoint_filter=nova, headers=micro,
               json={"flavor": {"name": name, "ram": ram, "vcpus": 1, "disk": 1}})

    # Nova's default quota (50 GiB of RAM) would refuse m1.enormous before the scheduler sees it.
    s.put(f"/os-quota-sets/{s.get_project_id()}", endpoint_filter=nova,
          json={"quota_set": {"ram": -1, "cores": -1, "instances": -1}})

    def computes_up():
        svcs = s.get("/os-services?binary=nova-compute", endpoint_filter=nova, headers=micro).json()["services"]
        return len([x for x in svcs if x["state"] == "up"]) == computes

    until("the nova-compute services up", computes_up)
    rp = {"service_type": "placement", "interface": "public"}
    until("the computes' resource providers",
          lambda: len(s.get("/resource_providers", endpoint_filter=rp).json()["resource_providers"]) == computes)


if __name__ == "__main__":
    step, openrc = sys.argv[1], sys.argv[2]
    sess = admin_session(openrc)
    if step == "keystone":
        keystone(sess, sys.argv[3], sys.argv[4:8])
    elif step == "ready":
        ready(sess, int(sys.argv[3]))
    else:
        raise SystemExit(f"unknown step {step}")
