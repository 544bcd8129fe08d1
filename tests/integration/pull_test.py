#!/usr/bin/env python3
"""pull_test.py - `vmc pull` and vmc_image_pull() against real registries.

Debian's docker-registry (distribution) runs on 127.0.0.1 with a random
port and a config, storage, htpasswd file and certificate made here. The
images are built here too (busybox-static in a gzip layer, a zstd layer, a
multi-arch index with amd64 and arm64 manifests, a 64 MiB random (zstd) layer),
written as OCI layouts and pushed with skopeo. Then:
  - plain HTTP to a loopback registry: CLI pull, the store checked blob by
    blob, `vmc images`, `vmc run --image REF -- /bin/echo hello` in a real
    guest (when the default guest is built); library pull (pull_lib) of the index for amd64 and
    arm64; a manifest that does not exist;
  - an interrupted pull (kill -9 while the big layer streams through a
    throttling TCP proxy): the image is not listed; the next pull resumes
    from the partial file (its first progress call starts past 0) and
    verifies;
  - Basic auth (htpasswd, bcrypt) over HTTPS with a self-signed CA
    (VMC_CA_FILE): refused without credentials (401) and without the CA,
    pulled with $HOME/.docker/config.json `auths` and with a credential
    helper on PATH;
  - the Bearer token flow: the registry's `auth: token` with a token server
    made here (ES256 JWTs, python3-cryptography), anonymous and with
    credentials;
  - a lying and flaky registry (a tiny HTTP server here): a blob whose
    bytes do not match its digest, a manifest whose bytes do not match
    Docker-Content-Digest, a blob longer than its descriptor (all refused,
    nothing recorded); 503s retried
    with backoff; a transfer broken off half-way resumed with Range; a
    plain-HTTP token realm on a non-loopback host (0.0.0.0) refused, and
    followed with --insecure-registry; a corrupt partial file left by an
    earlier run (resumed, refused at its digest, fetched again from byte
    0); Basic credentials not sent along a redirect to another host, nor
    to the token realm a 401 from the redirect target names;
  - an HTTPS-only registry (0.0.0.0) whose token realm is plain HTTP on
    127.0.0.1: the realm's host decides what its request may use;
  - pull by digest, and two concurrent pulls of one image into one store.
Needs VMC_CLI and PULL_LIB; exits 77 saying why when a tool is missing.
"""
import base64
import gzip
import hashlib
import http.server
import io
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request

SKIP = 77
VMC = os.environ.get("VMC_CLI", "")
PULL_LIB = os.environ.get("PULL_LIB", "")
FAILS = []
PASSES = []


def check(cond, what):
    (PASSES if cond else FAILS).append(what)
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    return cond


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------ images

def tar_layer(files):
    """files: list of (name, bytes, mode) or (name, None, symlink target)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data, extra in files:
            ti = tarfile.TarInfo(name)
            ti.mtime = 0
            if data is None:
                ti.type = tarfile.SYMTYPE
                ti.linkname = extra
                t.addfile(ti)
            else:
                ti.size = len(data)
                ti.mode = extra
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def zstd(data):
    return subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE,
                          check=True).stdout


class Layout:
    """An OCI image layout being written."""

    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(path, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        self.entries = []

    def blob(self, data, media_type):
        d = sha(data)
        with open(os.path.join(self.path, "blobs", "sha256", d[7:]), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": d, "size": len(data)}

    def image(self, layers, arch="amd64", variant=None):
        """layers: list of (uncompressed tar, compressed bytes, media type)."""
        cfg = {"architecture": arch, "os": "linux",
               "config": {"Cmd": ["/bin/sh"]},
               "rootfs": {"type": "layers", "diff_ids": [sha(u) for u, _, _ in layers]}}
        if variant:
            cfg["variant"] = variant
        config = self.blob(json.dumps(cfg).encode(), "application/vnd.oci.image.config.v1+json")
        man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
               "config": config,
               "layers": [self.blob(c, mt) for _, c, mt in layers]}
        return self.blob(json.dumps(man).encode(), man["mediaType"])

    def index(self, manifests):
        """manifests: list of (descriptor, platform dict)."""
        idx = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
               "manifests": [dict(d, platform=p) for d, p in manifests]}
        return self.blob(json.dumps(idx).encode(), idx["mediaType"])

    def tag(self, desc, name):
        self.entries.append(dict(desc, annotations={"org.opencontainers.image.ref.name": name}))
        with open(os.path.join(self.path, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "manifests": self.entries}, f)


GZ = "application/vnd.oci.image.layer.v1.tar+gzip"
ZST = "application/vnd.oci.image.layer.v1.tar+zstd"


def build_images(work):
    lay = Layout(os.path.join(work, "layout"))
    with open("/bin/busybox", "rb") as f:
        bb = f.read()
    base = tar_layer([("bin/busybox", bb, 0o755), ("bin/sh", None, "busybox"),
                      ("bin/echo", None, "busybox")])
    extra = tar_layer([("etc/hello", b"hello from a zstd layer\n", 0o644)])
    small = [(base, gzip.compress(base, 1), GZ), (extra, zstd(extra), ZST)]
    imgs = {}
    imgs["test"] = lay.image(small)
    lay.tag(imgs["test"], "test")
    amd = lay.image([(extra, gzip.compress(extra, 1), GZ)], "amd64")
    arm_layer = tar_layer([("etc/arch", b"arm64\n", 0o644)])
    arm = lay.image([(arm_layer, gzip.compress(arm_layer, 1), GZ)], "arm64", "v8")
    imgs["amd64"], imgs["arm64"] = amd, arm
    imgs["multi"] = lay.index([(amd, {"os": "linux", "architecture": "amd64"}),
                               (arm, {"os": "linux", "architecture": "arm64",
                                      "variant": "v8"})])
    lay.tag(imgs["multi"], "multi")
    big = tar_layer([("data/random", os.urandom(64 << 20), 0o644)])
    big_z = zstd(big)  # random bytes: as large as the tar; skopeo keeps it as it is
    imgs["big"] = lay.image([(big, big_z, ZST)])
    imgs["big_layer"] = sha(big_z)
    lay.tag(imgs["big"], "big")
    return lay.path, imgs


# ------------------------------------------------------------ registry

class Registry:
    def __init__(self, work, name, auth=None, tls=None):
        self.port = free_port()
        self.dir = os.path.join(work, name)
        os.makedirs(os.path.join(self.dir, "storage"))
        cfg = ["version: 0.1", "log:", "  level: error", "  accesslog:", "    disabled: true",
               "storage:", "  filesystem:", "    rootdirectory: " + self.dir + "/storage",
               "http:", "  addr: 127.0.0.1:%d" % self.port, "  secret: vmc-test-secret"]
        if tls:
            cfg += ["  tls:", "    certificate: " + tls[0], "    key: " + tls[1]]
        cfg += auth or []
        path = os.path.join(self.dir, "config.yml")
        with open(path, "w") as f:
            f.write("\n".join(cfg) + "\n")
        self.log = open(os.path.join(self.dir, "log"), "wb")
        self.proc = subprocess.Popen(["docker-registry", "serve", path], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.host = "127.0.0.1:%d" % self.port
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("docker-registry did not start: " + open(self.log.name).read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()


def push(layout, tag, reg, repo, creds=None, multi=False):
    cmd = ["skopeo", "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false"]
    if multi:
        cmd.append("--all")
    if creds:
        cmd += ["--dest-creds", creds]
    cmd += ["oci:%s:%s" % (layout, tag), "docker://%s/%s" % (reg.host, repo)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


# ------------------------------------------------------------ vmc

class Env:
    def __init__(self, work, name):
        self.home = os.path.join(work, "home-" + name)
        self.data = os.path.join(work, "data-" + name)
        os.makedirs(self.home)
        self.env = dict(os.environ, HOME=self.home, VMC_DATA_DIR=self.data)
        self.env.pop("DOCKER_CONFIG", None)
        self.env.pop("VMC_CA_FILE", None)

    def vmc(self, *args, timeout=120):
        return subprocess.run([VMC] + list(args), env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def lib(self, ref, platform=None):
        args = [PULL_LIB, os.path.join(self.data, "images"), ref] + ([platform] if platform else [])
        return subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=120)

    def images(self):
        p = self.vmc("images", "--json")
        return {i["ref"]: i["digest"] for i in json.loads(p.stdout)} if p.returncode == 0 else None

    def store_ok(self):
        """Every blob in the store hashes to its name."""
        d = os.path.join(self.data, "images", "blobs", "sha256")
        for n in os.listdir(d):
            with open(os.path.join(d, n), "rb") as f:
                h = hashlib.sha256()
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            if h.hexdigest() != n:
                return False
        return True

    def has_blob(self, digest):
        return os.path.exists(os.path.join(self.data, "images", "blobs", "sha256", digest[7:]))


# ------------------------------------------------------------ throttling proxy

class Proxy:
    """A TCP proxy to `port`; registry -> client bytes at `rate` B/s when slow."""

    def __init__(self, port, rate):
        self.target, self.rate, self.slow = port, rate, True
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                u = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                c.close()
                continue
            threading.Thread(target=self.pump, args=(c, u, False), daemon=True).start()
            threading.Thread(target=self.pump, args=(u, c, True), daemon=True).start()

    def pump(self, src, dst, down):
        try:
            while True:
                b = src.recv(65536)
                if not b:
                    break
                dst.sendall(b)
                if down and self.slow:
                    time.sleep(len(b) / self.rate)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.sock.close()


# ------------------------------------------------------------ token server

def make_cert(work, name, cn, san="IP:127.0.0.1,DNS:localhost"):
    key, crt = os.path.join(work, name + ".key"), os.path.join(work, name + ".crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", crt,
                    "-days", "2", "-subj", "/CN=" + cn,
                    "-addext", "subjectAltName=" + san],
                   check=True, capture_output=True)
    return crt, key


class TokenServer:
    """Issues ES256 JWTs the registry's `auth: token` accepts: pull for
    anyone, pull+push for user/password."""

    def __init__(self, crt, key, user, password):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec, utils
        with open(key, "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), None)
        with open(crt, "rb") as f:
            der = x509.load_pem_x509_certificate(f.read()).public_bytes(
                serialization.Encoding.DER)
        self.x5c = base64.b64encode(der).decode()
        self.ec, self.hashes, self.utils = ec, hashes, utils
        self.creds = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        self.user = user
        self.seen = []
        ts = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                from urllib.parse import parse_qs, urlparse
                q = parse_qs(urlparse(self.path).query)
                auth = self.headers.get("Authorization")
                if auth and auth != ts.creds:
                    self.send_response(401)
                    self.end_headers()
                    return
                ts.seen.append(("user" if auth else "anonymous", q.get("scope", [])))
                access = []
                for sc in q.get("scope", []):
                    typ, name, _ = sc.split(":", 2)
                    access.append({"type": typ, "name": name,
                                   "actions": ["pull", "push"] if auth else ["pull"]})
                body = json.dumps({"token": ts.jwt(ts.user if auth else "", access),
                                   "expires_in": 300}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def jwt(self, sub, access):
        def b64(b):
            return base64.urlsafe_b64encode(b).rstrip(b"=")
        now = int(time.time())
        head = {"typ": "JWT", "alg": "ES256", "x5c": [self.x5c]}
        claims = {"iss": "vmc-test-issuer", "sub": sub, "aud": "vmc-test", "exp": now + 300,
                  "nbf": now - 10, "iat": now, "jti": os.urandom(8).hex(), "access": access}
        signing = b64(json.dumps(head).encode()) + b"." + b64(json.dumps(claims).encode())
        der = self.key.sign(signing, self.ec.ECDSA(self.hashes.SHA256()))
        r, s = self.utils.decode_dss_signature(der)
        return (signing + b"." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))).decode()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


# ------------------------------------------------------------ lying registry

class Liar:
    """Serves /v2/bad:1 whose config blob bytes do not match their digest,
    /v2/long:1 whose config blob is longer than its descriptor says,
    /v2/badman:1 whose bytes do not match Docker-Content-Digest, and
    /v2/flaky:1 whose blobs fail transiently."""

    def __init__(self):
        cfg = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
        man = json.dumps({"schemaVersion": 2,
                          "mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                     "digest": sha(cfg), "size": len(cfg)},
                          "layers": []}).encode()
        self.cfg_digest = sha(cfg)
        self.cfg = cfg
        wrong = bytes([cfg[0] ^ 1]) + cfg[1:]
        # flaky:1 - its config answers 503 twice, its layer breaks off
        # half-way once and then honours Range
        layer = os.urandom(1 << 20)
        self.layer = layer
        fman = json.dumps({"schemaVersion": 2,
                           "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": sha(cfg), "size": len(cfg)},
                           "layers": [{"mediaType": GZ, "digest": sha(layer),
                                       "size": len(layer)}]}).encode()
        self.flaky_digest = sha(fman)
        self.hits = {"cfg": 0, "layer": 0, "ranges": []}
        # resume:1 - its layer honours Range; the test leaves a corrupt
        # partial file of it in the store first
        rlayer = os.urandom(256 << 10)
        self.rlayer = rlayer
        rman = json.dumps({"schemaVersion": 2,
                           "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": sha(cfg), "size": len(cfg)},
                           "layers": [{"mediaType": GZ, "digest": sha(rlayer),
                                       "size": len(rlayer)}]}).encode()
        self.resume_digest = sha(rman)
        self.rranges = []
        # redir:1 - Basic auth; its config blob answers 307 to the same
        # server by another name (localhost), which records what
        # Authorization header reached it
        self.elsewhere = []
        # steal:1 - its manifest (stealblob:1 - its config blob) answers
        # 307 to another host (localhost) that answers 401 with a Bearer
        # realm of its own: the registry's credentials (in the Docker
        # config) must not go to that realm
        self.stolen = []
        liar = self
        routes = {"/v2/": (b"{}", "application/json", None),
                  "/v2/bad/manifests/1": (man, "application/vnd.oci.image.manifest.v1+json",
                                          sha(man)),
                  "/v2/bad/blobs/" + sha(cfg): (wrong, "application/octet-stream", None),
                  "/v2/badman/manifests/1": (man, "application/vnd.oci.image.manifest.v1+json",
                                             sha(man + b" ")),
                  "/v2/long/manifests/1": (man, "application/vnd.oci.image.manifest.v1+json",
                                           None),
                  "/v2/long/blobs/" + sha(cfg): (cfg + b"\n" * 100, "application/octet-stream",
                                                 None)}

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                # realm:1 - a Bearer realm on 0.0.0.0 (local, but not a
                # loopback name): plain HTTP there only with --insecure-registry
                if self.path.startswith("/token?"):
                    return self.send_body(b'{"token":"liar-token"}', "application/json")
                if self.path.startswith("/v2/realm/"):
                    if self.headers.get("Authorization") != "Bearer liar-token":
                        self.send_response(401)
                        self.send_header("WWW-Authenticate", 'Bearer realm="http://0.0.0.0:%d'
                                         '/token",service="x",scope="repository:realm:pull"' %
                                         liar.port)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    if self.path == "/v2/realm/manifests/1":
                        return self.send_body(man, "application/vnd.oci.image.manifest.v1+json")
                    if self.path == "/v2/realm/blobs/" + sha(cfg):
                        return self.send_body(cfg, "application/octet-stream")
                if self.path == "/v2/resume/manifests/1":
                    return self.send_body(rman, "application/vnd.oci.image.manifest.v1+json")
                if self.path == "/v2/resume/blobs/" + sha(cfg):
                    return self.send_body(cfg, "application/octet-stream")
                if self.path == "/v2/resume/blobs/" + sha(rlayer):
                    rng = self.headers.get("Range")
                    liar.rranges.append(rng)
                    start = int(rng[len("bytes="):-1]) if rng else 0
                    self.send_response(206 if rng else 200)
                    if rng:
                        self.send_header("Content-Range", "bytes %d-%d/%d" %
                                         (start, len(rlayer) - 1, len(rlayer)))
                    self.send_header("Content-Length", str(len(rlayer) - start))
                    self.end_headers()
                    self.wfile.write(rlayer[start:])
                    return
                if self.path.startswith("/v2/redir/"):
                    want = "Basic " + base64.b64encode(b"carol:pw").decode()
                    if self.headers.get("Authorization") != want:
                        self.send_response(401)
                        self.send_header("WWW-Authenticate", 'Basic realm="liar"')
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    if self.path == "/v2/redir/manifests/1":
                        return self.send_body(man, "application/vnd.oci.image.manifest.v1+json")
                    if self.path == "/v2/redir/blobs/" + sha(cfg):
                        self.send_response(307)
                        self.send_header("Location", "http://localhost:%d/elsewhere/%s" %
                                         (liar.port, sha(cfg)))
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                if self.path == "/v2/stealblob/manifests/1":
                    return self.send_body(man, "application/vnd.oci.image.manifest.v1+json")
                if self.path.startswith("/v2/steal/") or self.path.startswith("/v2/stealblob/"):
                    self.send_response(307)
                    self.send_header("Location", "http://localhost:%d/thief%s" %
                                     (liar.port, self.path))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path.startswith("/thief/"):
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Bearer realm="http://127.0.0.1:%d'
                                     '/thief-token",service="x"' % liar.port)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path.startswith("/thief-token"):
                    liar.stolen.append(self.headers.get("Authorization"))
                    return self.send_body(b'{"token":"thief"}', "application/json")
                if self.path == "/elsewhere/" + sha(cfg):
                    liar.elsewhere.append(self.headers.get("Authorization"))
                    return self.send_body(cfg, "application/octet-stream")
                if self.path == "/v2/flaky/manifests/1":
                    return self.send_body(fman, "application/vnd.oci.image.manifest.v1+json")
                if self.path == "/v2/flaky/blobs/" + sha(cfg):
                    liar.hits["cfg"] += 1
                    if liar.hits["cfg"] <= 2:
                        self.send_response(503)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    return self.send_body(cfg, "application/octet-stream")
                if self.path == "/v2/flaky/blobs/" + sha(layer):
                    liar.hits["layer"] += 1
                    rng = self.headers.get("Range")
                    liar.hits["ranges"].append(rng)
                    if liar.hits["layer"] == 1:
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(layer)))
                        self.end_headers()
                        self.wfile.write(layer[:len(layer) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    start = int(rng[len("bytes="):-1]) if rng else 0
                    self.send_response(206 if rng else 200)
                    if rng:
                        self.send_header("Content-Range", "bytes %d-%d/%d" %
                                         (start, len(layer) - 1, len(layer)))
                    self.send_header("Content-Length", str(len(layer) - start))
                    self.end_headers()
                    self.wfile.write(layer[start:])
                    return
                r = routes.get(self.path)
                if not r:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", r[1])
                self.send_header("Content-Length", str(len(r[0])))
                if r[2]:
                    self.send_header("Docker-Content-Digest", r[2])
                self.end_headers()
                self.wfile.write(r[0])

            def send_body(self, body, ctype):
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        self.host = "127.0.0.1:%d" % self.port
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


# ------------------------------------------------------------ the cases

def plain_http(work, layout, imgs):
    reg = Registry(work, "reg-plain")
    try:
        push(layout, "test", reg, "test:1")
        push(layout, "multi", reg, "multi:1", multi=True)
        push(layout, "big", reg, "big:1")
        e = Env(work, "plain")
        t0 = time.time()
        p = e.vmc("pull", reg.host + "/test:1")
        check(p.returncode == 0 and imgs["test"]["digest"] in p.stdout,
              "CLI pull over plain HTTP (loopback) prints the digest (%.2fs) %s" %
              (time.time() - t0, p.stderr.strip()))
        ims = e.images() or {}
        check(ims.get(reg.host + "/test:1") == imgs["test"]["digest"], "vmc images lists it")
        check(e.store_ok(), "every stored blob hashes to its name")
        p = e.vmc("pull", "-q", reg.host + "/test:1")
        check(p.returncode == 0 and p.stdout.strip() == imgs["test"]["digest"],
              "a second pull (all blobs present) prints only the digest with -q")

        p = e.lib(reg.host + "/multi:1")
        check(p.returncode == 0 and ("digest " + imgs["amd64"]["digest"]) in p.stdout,
              "library pull of the index picks amd64 by default " + (p.stdout + p.stderr).strip()[-200:])
        p = e.lib(reg.host + "/multi:1", "linux/arm64")
        check(p.returncode == 0 and ("digest " + imgs["arm64"]["digest"]) in p.stdout,
              "library pull with platform linux/arm64 picks the arm64 manifest")
        p = e.vmc("pull", "--platform", "linux/s390x", reg.host + "/multi:1")
        check(p.returncode == 3 and "s390x" in p.stderr, "no such platform: exit 3, named")

        p = e.vmc("pull", reg.host + "/nope:1")
        check(p.returncode == 3 and "nope:1" in p.stderr and "not found" in p.stderr,
              "manifest not found: exit 3 and the name (%s)" % p.stderr.strip())

        boot_pulled(work, e, reg.host + "/test:1")

        by = reg.host + "/test@" + imgs["test"]["digest"]
        e2 = Env(work, "bydigest")
        p = e2.vmc("pull", "-q", by)
        check(p.returncode == 0 and p.stdout.strip() == imgs["test"]["digest"] and
              by in (e2.images() or {}), "pull by digest, recorded under the digest")
        p = e2.vmc("pull", reg.host + "/test@sha256:" + "0" * 64)
        check(p.returncode == 3 and "not found" in p.stderr, "an unknown digest: exit 3")

        interrupted(work, reg, imgs)
        concurrent(work, reg, imgs)
    finally:
        reg.stop()


def concurrent(work, reg, imgs):
    proxy = Proxy(reg.port, 48 << 20)
    e = Env(work, "concurrent")
    ref = "127.0.0.1:%d/big:1" % proxy.port
    try:
        ps = [subprocess.Popen([VMC, "pull", "-q", ref], env=e.env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in ps]
        check(all(p.returncode == 0 and o[0].strip() == imgs["big"]["digest"]
                  for p, o in zip(ps, outs)) and e.store_ok() and
              list((e.images() or {}).keys()) == [ref],
              "two concurrent pulls of one image into one store both succeed %s" %
              [o[1].strip()[-100:] for o in outs])
    finally:
        proxy.close()


def boot_pulled(work, e, ref):
    """The issue's end to end: the pulled image boots in a real guest."""
    gdir = os.environ.get("VMC_GUEST_DIR") or "/var/lib/vmc/guest"
    if not (os.path.exists(os.path.join(gdir, "initramfs.cpio")) and
            (os.path.exists(os.path.join(gdir, "vmlinux")) or
             os.path.exists(os.path.join(gdir, "vmlinuz")))) or not shutil.which("mke2fs"):
        print("skip (one check): no default guest in %s or no mke2fs: vmc run --image "
              "not tried" % gdir, flush=True)
        return
    state = os.path.join(work, "state-boot")
    e.env["VMC_GUEST_DIR"] = gdir
    t0 = time.time()
    p = e.vmc("--state-dir", state, "run", "--name", "hello", "--image", ref, "--",
              "/bin/echo", "hello", timeout=180)
    check(p.returncode == 0 and "hello" in p.stdout,
          "vmc run --image %s -- /bin/echo hello prints hello, exit 0 (%.1fs) %s" %
          (ref, time.time() - t0, p.stderr.strip()[-200:]))
    e.vmc("--state-dir", state, "rm", "-f", "hello")


def interrupted(work, reg, imgs):
    proxy = Proxy(reg.port, 24 << 20)
    e = Env(work, "interrupt")
    ref = "127.0.0.1:%d/big:1" % proxy.port
    partial = os.path.join(e.data, "images", "tmp", imgs["big_layer"][7:] + ".partial")
    try:
        p = subprocess.Popen([VMC, "pull", ref], env=e.env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        size, deadline = 0, time.time() + 20
        while time.time() < deadline and p.poll() is None:
            try:
                size = os.path.getsize(partial)
            except OSError:
                size = 0
            if size >= 8 << 20:
                break
            time.sleep(0.02)
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
        rc = p.wait()
        check(rc == -signal.SIGKILL, "vmc pull killed with SIGKILL mid-download (exit %d)" % rc)
        size = os.path.getsize(partial) if os.path.exists(partial) else 0
        check(0 < size < 64 << 20, "killed mid-download with a partial file of %d bytes" % size)
        ims = e.images()
        check(ims is not None and ref not in ims, "the interrupted image is not listed")
        proxy.slow = False
        p = e.lib(ref)
        first = [ln.split() for ln in p.stdout.splitlines() if ln.startswith("first " +
                                                                            imgs["big_layer"])]
        check(p.returncode == 0 and ("digest " + imgs["big"]["digest"]) in p.stdout,
              "the next pull completes " + p.stdout.strip()[-200:])
        check(bool(first) and int(first[0][2]) > 0,
              "and resumed the layer from byte %s" % (first[0][2] if first else "?"))
        check(e.store_ok() and e.has_blob(imgs["big_layer"]) and not os.path.exists(partial),
              "the resumed layer verifies and no partial file is left")
    finally:
        proxy.close()


def basic_tls(work, layout, imgs):
    crt, key = make_cert(work, "tls", "127.0.0.1")
    pw = os.path.join(work, "htpasswd")
    with open(pw, "w") as f:
        f.write(subprocess.run(["htpasswd", "-nbB", "alice", "s3cret"], check=True,
                               capture_output=True, text=True).stdout)
    reg = Registry(work, "reg-basic", auth=["auth:", "  htpasswd:", "    realm: vmc-test",
                                            "    path: " + pw], tls=(crt, key))
    try:
        push(layout, "test", reg, "test:1", creds="alice:s3cret")
        ref = reg.host + "/test:1"
        e = Env(work, "basic")
        p = e.vmc("pull", ref)
        check(p.returncode != 0 and "not trusted" in p.stderr and "VMC_CA_FILE" in p.stderr,
              "HTTPS with an unknown CA is refused (%s)" % p.stderr.strip()[-160:])
        e.env["VMC_CA_FILE"] = crt
        p = e.vmc("pull", ref)
        check(p.returncode == 1 and "no credentials" in p.stderr and "authentication" in p.stderr,
              "401 without credentials: a clear error (%s)" % p.stderr.strip()[-200:])
        check(not (e.images() or {}), "nothing recorded")
        os.makedirs(os.path.join(e.home, ".docker"))
        cfg = os.path.join(e.home, ".docker", "config.json")
        with open(cfg, "w") as f:
            json.dump({"auths": {"https://" + reg.host: {
                "auth": base64.b64encode(b"alice:wrong").decode()}}}, f)
        p = e.vmc("pull", ref)
        check(p.returncode == 1 and "alice" in p.stderr and "refused" in p.stderr,
              "wrong password: refused, the user named (%s)" % p.stderr.strip()[-160:])
        with open(cfg, "w") as f:
            json.dump({"auths": {reg.host: {
                "auth": base64.b64encode(b"alice:s3cret").decode()}}}, f)
        p = e.vmc("pull", ref)
        check(p.returncode == 0 and imgs["test"]["digest"] in p.stdout,
              "Basic auth over HTTPS with config.json auths and VMC_CA_FILE")

        e2 = Env(work, "helper")
        e2.env["VMC_CA_FILE"] = crt
        bindir = os.path.join(work, "helper-bin")
        os.makedirs(bindir)
        called = os.path.join(work, "helper-called")
        helper = os.path.join(bindir, "docker-credential-vmctest")
        with open(helper, "w") as f:
            f.write("#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread -r server\n"
                    "echo \"$server\" > '%s'\n"
                    "echo '{\"ServerURL\":\"'$server'\",\"Username\":\"alice\","
                    "\"Secret\":\"s3cret\"}'\n" % called)
        os.chmod(helper, 0o755)
        e2.env["PATH"] = bindir + ":" + e2.env["PATH"]
        os.makedirs(os.path.join(e2.home, ".docker"))
        with open(os.path.join(e2.home, ".docker", "config.json"), "w") as f:
            json.dump({"credHelpers": {reg.host: "vmctest"}}, f)
        p = e2.vmc("pull", ref)
        got = open(called).read().strip() if os.path.exists(called) else ""
        check(p.returncode == 0 and got == reg.host,
              "credential helper run with the server on stdin (%s)" % p.stderr.strip()[-160:])
    finally:
        reg.stop()


def bearer(work, layout, imgs):
    try:
        import cryptography  # noqa: F401
    except ImportError:
        check(False, "python3-cryptography missing: cannot run the token server")
        return
    crt, key = make_cert(work, "token", "vmc-token")
    ts = TokenServer(crt, key, "bob", "hunter2")
    reg = Registry(work, "reg-token", auth=[
        "auth:", "  token:", "    realm: http://127.0.0.1:%d/token" % ts.port,
        "    service: vmc-test", "    issuer: vmc-test-issuer", "    rootcertbundle: " + crt])
    try:
        push(layout, "test", reg, "test:1", creds="bob:hunter2")
        ref = reg.host + "/test:1"
        e = Env(work, "bearer")
        n = len(ts.seen)
        p = e.vmc("pull", ref)
        check(p.returncode == 0 and imgs["test"]["digest"] in p.stdout and
              any(w == "anonymous" for w, _ in ts.seen[n:]),
              "Bearer token flow, anonymous (%s)" % p.stderr.strip()[-160:])
        os.makedirs(os.path.join(e.home, ".docker"))
        with open(os.path.join(e.home, ".docker", "config.json"), "w") as f:
            json.dump({"auths": {reg.host: {"username": "bob", "password": "hunter2"}}}, f)
        e.vmc("rmi", ref)
        e.vmc("image", "prune")
        n = len(ts.seen)
        p = e.vmc("pull", ref)
        check(p.returncode == 0 and any(w == "user" and sc == ["repository:test:pull"]
                                        for w, sc in ts.seen[n:]),
              "Bearer token flow with credentials, scope repository:test:pull")
        with open(os.path.join(e.home, ".docker", "config.json"), "w") as f:
            json.dump({"auths": {reg.host: {"username": "bob", "password": "nope"}}}, f)
        p = e.vmc("pull", ref)
        check(p.returncode == 1 and "token server refused" in p.stderr,
              "the token server refusing the credentials is an error (%s)" %
              p.stderr.strip()[-120:])
    finally:
        reg.stop()
        ts.close()


def lying(work):
    liar = Liar()
    try:
        e = Env(work, "liar")
        p = e.vmc("pull", liar.host + "/bad:1")
        check(p.returncode == 1 and "digest mismatch" in p.stderr and liar.cfg_digest in p.stderr,
              "a blob whose bytes do not match its digest is refused (%s)" %
              p.stderr.strip()[-160:])
        check(not e.has_blob(liar.cfg_digest) and not (e.images() or {}),
              "nothing of it is stored or recorded")
        p = e.vmc("pull", "-q", liar.host + "/flaky:1")
        check(p.returncode == 0 and p.stdout.strip() == liar.flaky_digest and
              liar.hits["cfg"] == 3 and e.has_blob(sha(liar.layer)) and e.store_ok(),
              "503s are retried with backoff (%d tries) (%s)" % (liar.hits["cfg"],
                                                                 p.stderr.strip()[-120:]))
        check(liar.hits["ranges"][:2] == [None, "bytes=%d-" % (len(liar.layer) // 2)],
              "a transfer broken off half-way resumes with Range %s" % liar.hits["ranges"])
        p = Env(work, "liar-long").vmc("pull", liar.host + "/long:1")
        check(p.returncode == 1 and "descriptor says %d" % len(liar.cfg) in p.stderr,
              "a blob larger than its descriptor is refused (%s)" % p.stderr.strip()[-120:])
        p = e.vmc("pull", liar.host + "/realm:1")
        check(p.returncode == 1 and "not HTTPS" in p.stderr,
              "a plain-HTTP token realm on a non-loopback host is refused (%s)" %
              p.stderr.strip()[-140:])
        p = Env(work, "liar-realm").vmc("pull", "--insecure-registry", "0.0.0.0:%d" % liar.port,
                                        liar.host + "/realm:1")
        check(p.returncode == 0, "--insecure-registry HOST:PORT lets plain HTTP go there: "
              "token fetched, image pulled (%s)" % p.stderr.strip()[-120:])
        # a partial file from an earlier run whose bytes are wrong: the
        # resumed transfer fails its digest, is fetched again from byte 0,
        # and the store keeps only the verified blob
        er = Env(work, "liar-resume")
        tmpd = os.path.join(er.data, "images", "tmp")
        os.makedirs(tmpd)
        part = os.path.join(tmpd, sha(liar.rlayer)[7:] + ".partial")
        with open(part, "wb") as f:
            f.write(bytes(b ^ 0xff for b in liar.rlayer[:len(liar.rlayer) // 2]))
        p = er.vmc("pull", "-q", liar.host + "/resume:1")
        check(p.returncode == 0 and p.stdout.strip() == liar.resume_digest and
              er.has_blob(sha(liar.rlayer)) and er.store_ok() and not os.path.exists(part),
              "a corrupt partial file is resumed, caught by the digest and fetched again "
              "(%s)" % p.stderr.strip()[-120:])
        check(liar.rranges == ["bytes=%d-" % (len(liar.rlayer) // 2), None],
              "first from the partial's end, then from byte 0 %s" % liar.rranges)

        # credentials stay with the registry: a redirect to another host
        # gets no Authorization header
        eb = Env(work, "liar-redir")
        os.makedirs(os.path.join(eb.home, ".docker"))
        with open(os.path.join(eb.home, ".docker", "config.json"), "w") as f:
            json.dump({"auths": {liar.host: {"auth": base64.b64encode(b"carol:pw").decode()}}}, f)
        p = eb.vmc("pull", "-q", liar.host + "/redir:1")
        check(p.returncode == 0 and liar.elsewhere == [None],
              "Basic credentials are not sent along a redirect to another host (%s) %s" %
              (liar.elsewhere, p.stderr.strip()[-120:]))
        for what in ("steal", "stealblob"):
            es = Env(work, "liar-" + what)  # an empty store: the config blob is fetched
            shutil.copytree(os.path.join(eb.home, ".docker"), os.path.join(es.home, ".docker"))
            p = es.vmc("pull", liar.host + "/%s:1" % what)
            check(p.returncode == 1 and not liar.stolen and "not sent" in p.stderr,
                  "nor to the token realm of a 401 from where a redirect led (%s: %s) %s" %
                  (what, liar.stolen, p.stderr.strip()[-160:]))

        p = e.vmc("pull", liar.host + "/badman:1")
        check(p.returncode == 1 and "manifest digest mismatch" in p.stderr,
              "a manifest not matching Docker-Content-Digest is refused (%s)" %
              p.stderr.strip()[-160:])
    finally:
        liar.close()


def tls_realm(work):
    """An HTTPS registry on a non-loopback name (0.0.0.0: HTTPS only) whose
    token realm is plain HTTP on 127.0.0.1: the realm's own host decides,
    so the token request may use HTTP (it was refused as the registry's)."""
    crt, key = make_cert(work, "tls-realm", "x", san="IP:0.0.0.0")
    liar = Liar()

    class R(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            if self.headers.get("Authorization") != "Bearer liar-token":
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Bearer realm="http://127.0.0.1:%d/token",'
                                 'service="x"' % liar.port)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            # the content is the liar's realm:1, which wants the same token
            with urllib.request.urlopen(urllib.request.Request(
                    "http://127.0.0.1:%d%s" % (liar.port, self.path.replace("/v2/x/", "/v2/realm/")),
                    headers={"Authorization": "Bearer liar-token"})) as up:
                body, ctype = up.read(), up.headers.get("Content-Type", "")
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer(("0.0.0.0", 0), R)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        e = Env(work, "tls-realm")
        e.env["VMC_CA_FILE"] = crt
        p = e.vmc("pull", "-q", "0.0.0.0:%d/x:1" % srv.server_address[1])
        check(p.returncode == 0 and p.stdout.strip().startswith("sha256:"),
              "an HTTPS-only registry with a loopback plain-HTTP token realm: token fetched, "
              "image pulled (%s)" % p.stderr.strip()[-160:])
    finally:
        srv.shutdown()
        srv.server_close()
        liar.close()


def main():
    for tool in ("docker-registry", "skopeo", "htpasswd", "openssl", "zstd"):
        if not shutil.which(tool):
            print("SKIP: %s not installed (scripts/deps installs it)" % tool)
            return SKIP
    if not VMC or not PULL_LIB:
        print("SKIP: VMC_CLI and PULL_LIB must be set (meson test does)")
        return SKIP
    if not os.path.exists("/bin/busybox"):
        print("SKIP: /bin/busybox (busybox-static) missing")
        return SKIP
    t0 = time.time()
    work = tempfile.mkdtemp(prefix="vmc-pull-test-")
    try:
        layout, imgs = build_images(work)
        plain_http(work, layout, imgs)
        basic_tls(work, layout, imgs)
        bearer(work, layout, imgs)
        lying(work)
        tls_realm(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed (%.1fs)" % (len(PASSES), len(FAILS), time.time() - t0))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
