//! moto's S3 server on a free loopback port (`.ci/run` installs it), killed when dropped: the real
//! S3-compatible endpoint of every S3 test.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use trailhound_store::S3Options;

pub struct S3Server {
    child: Child,
    pub port: u16,
    /// One server at a time: a port found free and handed to moto could otherwise be taken
    /// by another test's proxy before moto binds it.
    _serial: std::sync::MutexGuard<'static, ()>,
}

impl S3Server {
    pub fn start() -> Self {
        static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m moto.server (pip install 'moto[server]'; .ci/run does)");
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "moto did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Self {
            child,
            port,
            _serial: serial,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Options that reach this server with moto's test keys.
    pub fn options(&self) -> S3Options {
        S3Options {
            endpoint_url: Some(self.endpoint()),
            region: Some("us-east-1".into()),
            access_key_id: Some("testing".into()),
            secret_access_key: Some("testing".into()),
            ..Default::default()
        }
    }

    /// A plain HTTP request (moto does not check signatures); the status code.
    pub fn request(&self, method: &str, path: &str, body: &[u8]) -> u16 {
        self.request_with(method, path, &[], body)
    }

    /// A plain HTTP request with extra headers; the status code.
    pub fn request_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> u16 {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let extra: String = headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}\r\n"))
            .collect();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.port,
            body.len()
        )
        .unwrap();
        s.write_all(body).unwrap();
        let mut resp = String::new();
        let _ = s.read_to_string(&mut resp);
        resp.split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }

    /// Uploads every file below `dir` to `bucket` under `prefix`.
    pub fn upload(&self, dir: &Path, bucket: &str, prefix: &str) -> usize {
        self.upload_with(dir, bucket, prefix, |k| Some(k.to_string()))
    }

    /// Uploads the files below `dir` that `key` names (given the `/`-separated path below
    /// `dir`, the key below `prefix`, or `None` to skip the file).
    pub fn upload_with(
        &self,
        dir: &Path,
        bucket: &str,
        prefix: &str,
        key: impl Fn(&str) -> Option<String>,
    ) -> usize {
        let mut n = 0;
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                    let Some(key) = key(&rel) else { continue };
                    let key = key.replace('=', "%3D");
                    let status = self.request(
                        "PUT",
                        &format!("/{bucket}/{prefix}/{key}"),
                        &std::fs::read(&p).unwrap(),
                    );
                    assert_eq!(status, 200, "PUT {key}");
                    n += 1;
                }
            }
        }
        n
    }

    /// The keys in a bucket (up to 1,000).
    pub fn keys(&self, bucket: &str) -> Vec<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "GET /{bucket}?list-type=2 HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        )
        .unwrap();
        let mut resp = String::new();
        let _ = s.read_to_string(&mut resp);
        resp.split("<Key>")
            .skip(1)
            .filter_map(|k| k.split("</Key>").next())
            .map(str::to_string)
            .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
