#!/usr/bin/env python3
"""A tiny fake OCI registry for the registry tests' bad cases.

    fake-registry.py MODE PORTFILE

It listens on 127.0.0.1 (a free port, written into PORTFILE) and serves one
image, app:1, in one of these modes:

  corrupt  the manifest and config are right; the layer blob has one byte
           changed (its digest no longer matches the manifest)
  short    the layer blob is cut short (fewer bytes than the manifest says)
  refuse   every request gets 403 DENIED
  bearer   token auth: /v2/ answers 401 "Bearer realm=.../token"; /token
           gives a token to alice:s3cret (Basic) only, for the scope
           repository:app:pull; every other request needs that token
  index    app:1 is an OCI image index with linux/arm64 and linux/amd64
           entries; the amd64 one (Docker schema 2 media types) is served
           right, the arm64 one's manifest is missing; blob GETs are
           redirected (307) to /storage/DIGEST, as registries that keep
           blobs elsewhere do
  stall    accepts connections and never answers
  slow     the layer blob trickles out, 16 bytes every 0.5 s (4 s in all)
"""
import gzip
import hashlib
import http.server
import io
import base64
import json
import os
import sys
import tarfile
import time


def digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def make_layer():
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        data = b"hello from the fake registry\n"
        info = tarfile.TarInfo("hello.txt")
        info.size = len(data)
        info.mtime = 0
        t.addfile(info, io.BytesIO(data))
    tar = raw.getvalue()
    return tar, gzip.compress(tar, mtime=0)


MODE = sys.argv[1]
TAR, LAYER = make_layer()
CONFIG = json.dumps({
    "architecture": "amd64", "os": "linux",
    "config": {"Cmd": ["/bin/sh"]},
    "rootfs": {"type": "layers", "diff_ids": [digest(TAR)]},
}).encode()
docker = MODE == "index"
MANIFEST = json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json" if docker
    else "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json" if docker
               else "application/vnd.oci.image.config.v1+json",
               "digest": digest(CONFIG), "size": len(CONFIG)},
    "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip" if docker
                else "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": digest(LAYER), "size": len(LAYER)}],
}).encode()
MANIFEST_TYPE = json.loads(MANIFEST)["mediaType"]
INDEX = json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [
        {"mediaType": MANIFEST_TYPE, "digest": "sha256:" + "0" * 64, "size": 100,
         "platform": {"os": "linux", "architecture": "arm64"}},
        {"mediaType": MANIFEST_TYPE, "digest": digest(MANIFEST), "size": len(MANIFEST),
         "platform": {"os": "linux", "architecture": "amd64"}},
    ],
}).encode()

served = {digest(CONFIG): CONFIG}
if MODE == "corrupt":
    bad = bytearray(LAYER)
    bad[len(bad) // 2] ^= 0xFF
    served[digest(LAYER)] = bytes(bad)
elif MODE == "short":
    served[digest(LAYER)] = LAYER[:-10]
else:
    served[digest(LAYER)] = LAYER


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", ctype="application/json", head=False):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def error(self, status, code, msg):
        self.send(status, json.dumps({"errors": [{"code": code, "message": msg}]}).encode())

    def route(self, head):
        if MODE == "refuse":
            return self.error(403, "DENIED", "requested access to the resource is denied")
        p = self.path
        if MODE == "stall":
            time.sleep(120)
            return None
        if MODE == "index" and p.startswith("/v2/app/blobs/"):
            self.send_response(307)
            self.send_header("Location", "/storage/" + p[len("/v2/app/blobs/"):])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if p.startswith("/storage/"):
            p = "/v2/app/blobs/" + p[len("/storage/"):]
        if MODE == "bearer":
            auth = self.headers.get("Authorization", "")
            if p.startswith("/token?"):
                want = "Basic " + base64.b64encode(b"alice:s3cret").decode()
                if auth != want or "scope=repository%3Aapp%3Apull" not in p \
                        or "service=fake" not in p:
                    return self.error(401, "UNAUTHORIZED", "bad credentials or scope")
                return self.send(200, b'{"token": "t0ken"}', head=head)
            if auth != "Bearer t0ken":
                self.send_response(401)
                realm = "http://127.0.0.1:%d/token" % self.server.server_address[1]
                self.send_header("WWW-Authenticate",
                                 'Bearer realm="%s",service="fake"' % realm)
                body = b'{"errors":[{"code":"UNAUTHORIZED","message":"token needed"}]}'
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return None
        if p == "/v2/":
            return self.send(200, b"{}", head=head)
        if p == "/v2/app/manifests/1":
            if MODE == "index":
                return self.send(200, INDEX, "application/vnd.oci.image.index.v1+json", head)
            return self.send(200, MANIFEST, MANIFEST_TYPE, head)
        if p == "/v2/app/manifests/" + digest(MANIFEST):
            return self.send(200, MANIFEST, MANIFEST_TYPE, head)
        if MODE == "slow" and p == "/v2/app/blobs/" + digest(LAYER) and not head:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(LAYER)))
            self.end_headers()
            try:
                for i in range(0, len(LAYER), 16):
                    self.wfile.write(LAYER[i:i + 16])
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass
            return None
        if p.startswith("/v2/app/blobs/") and p[len("/v2/app/blobs/"):] in served:
            return self.send(200, served[p[len("/v2/app/blobs/"):]],
                             "application/octet-stream", head)
        if "/manifests/" in p:
            return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        return self.error(404, "BLOB_UNKNOWN", "blob unknown to registry")

    def do_GET(self):
        self.route(False)

    def do_HEAD(self):
        self.route(True)

    def do_POST(self):
        self.route(False)


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))

os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
