//! A small W3C WebDriver client over reqwest: chromedriver on a free port, one headless Chromium
//! session per test with a fresh profile, and the few commands the page tests need. Screenshots
//! go to `target/browser-screenshots/<test>/<step>.png`.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The W3C key for an element reference in command answers.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Only one browser runs at a time: the machine has two cores, and Chromium is heavy.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A live browser session; dropping it ends the session and stops chromedriver.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    session: String,
    driver: Child,
    port: u16,
    shots: PathBuf,
    step: u32,
    _profile: tempfile::TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

/// An element found on the page.
#[derive(Clone, Debug)]
pub struct Element(String);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port for chromedriver")
}

/// `target/`: the parent of Cargo's temporary folder for integration tests.
pub fn target_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent()
        .map_or_else(|| tmp.to_path_buf(), Path::to_path_buf)
}

/// The browser and its driver must be installed: a missing one fails the test, never skips it.
fn require_installed() {
    for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
        assert!(
            Path::new(path).exists(),
            "browser tests need {path}: install it with `apt-get install chromium chromium-driver` \
             (Debian package `{package}`)"
        );
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium of `width`×`height`; screenshots of this
    /// test go under `target/browser-screenshots/{test}/`.
    pub async fn start(test: &str, width: u32, height: u32) -> Browser {
        require_installed();
        let turn = ONE_AT_A_TIME.lock().await;
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{base}/status")).send().await
                && let Ok(text) = r.text().await
                && let Ok(v) = serde_json::from_str::<Value>(&text)
                && v["value"]["ready"] == true
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start on port {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::Builder::new()
            .prefix("epass-chromium-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("profile dir");
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--hide-scrollbars".to_owned(),
            "--lang=zh-CN".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={width},{height}"),
        ];
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": args,
                "prefs": { "intl.accept_languages": "zh-CN,zh" },
            },
        }}});
        let reply: Value = serde_json::from_str(
            &http
                .post(format!("{base}/session"))
                .header("content-type", "application/json")
                .body(caps.to_string())
                .send()
                .await
                .expect("new session request")
                .text()
                .await
                .expect("new session answer"),
        )
        .expect("new session answer is JSON");
        let session = reply["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("chromedriver could not start Chromium: {reply}"))
            .to_owned();
        let shots = target_dir().join("browser-screenshots").join(test);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("screenshot dir");
        let browser = Browser {
            http,
            base,
            session,
            driver,
            port,
            shots,
            step: 0,
            _profile: profile,
            _turn: turn,
        };
        browser
            .command(
                "POST",
                "timeouts",
                json!({ "implicit": 5000, "pageLoad": 30000 }),
            )
            .await;
        browser.set_window_size(width, height).await;
        browser
    }

    async fn command(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}/{path}", self.base, self.session);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self
                .http
                .post(url)
                .header("content-type", "application/json")
                .body(body.to_string()),
        };
        let text = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"))
            .text()
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let reply: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}: {text}"));
        if let Some(error) = reply["value"]["error"].as_str() {
            panic!(
                "WebDriver {method} {path} failed: {error}: {}",
                reply["value"]["message"]
            );
        }
        reply["value"].clone()
    }

    /// Opens a URL and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.command("POST", "url", json!({ "url": url })).await;
    }

    pub async fn current_url(&self) -> String {
        self.command("GET", "url", Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The path (and query) of the current page.
    pub async fn path(&self) -> String {
        let url = self.current_url().await;
        let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
        rest.find('/')
            .map_or("/".to_owned(), |i| rest[i..].to_owned())
    }

    /// Waits until the page's path (with its query) starts with `prefix`: a form post and its
    /// redirect are done.
    pub async fn wait_for_path(&self, prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let path = self.path().await;
            if path.starts_with(prefix) {
                return path;
            }
            assert!(
                Instant::now() < deadline,
                "still on {path}, waited for {prefix}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks a form's submit button and waits for the page it leads to.
    pub async fn submit(&self, css: &str, leads_to: &str) -> String {
        self.click(css).await;
        self.wait_for_path(leads_to).await
    }

    /// The first element matching a CSS selector, waiting up to the implicit timeout.
    pub async fn find(&self, css: &str) -> Element {
        let v = self
            .command(
                "POST",
                "element",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        Element(
            v[ELEMENT_KEY]
                .as_str()
                .unwrap_or_else(|| panic!("no element for {css}: {v}"))
                .to_owned(),
        )
    }

    /// Every element matching a CSS selector (none is not an error).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let v = self
            .command(
                "POST",
                "elements",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str().map(|s| Element(s.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.click_element(&e).await;
    }

    pub async fn click_element(&self, e: &Element) {
        self.command("POST", &format!("element/{}/click", e.0), json!({}))
            .await;
    }

    /// Types into a field (after clearing it); for `<input type=file>`, the text is a file path.
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        let kind = self.attribute(&e, "type").await.unwrap_or_default();
        if kind != "file" {
            self.command("POST", &format!("element/{}/clear", e.0), json!({}))
                .await;
        }
        self.command(
            "POST",
            &format!("element/{}/value", e.0),
            json!({ "text": text }),
        )
        .await;
    }

    /// Chooses the option of a `<select>` with this value.
    pub async fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]"))
            .await;
    }

    /// The rendered text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.element_text(&e).await
    }

    pub async fn element_text(&self, e: &Element) -> String {
        self.command("GET", &format!("element/{}/text", e.0), Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn attribute(&self, e: &Element, name: &str) -> Option<String> {
        self.command(
            "GET",
            &format!("element/{}/attribute/{name}", e.0),
            Value::Null,
        )
        .await
        .as_str()
        .map(str::to_owned)
    }

    /// A computed CSS property of the first element matching `css`.
    pub async fn css(&self, css: &str, property: &str) -> String {
        let e = self.find(css).await;
        self.command(
            "GET",
            &format!("element/{}/css/{property}", e.0),
            Value::Null,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// The element's size on screen, `(width, height)` in CSS pixels.
    pub async fn size(&self, css: &str) -> (f64, f64) {
        let e = self.find(css).await;
        let r = self
            .command("GET", &format!("element/{}/rect", e.0), Value::Null)
            .await;
        (
            r["width"].as_f64().unwrap_or_default(),
            r["height"].as_f64().unwrap_or_default(),
        )
    }

    /// The whole page's visible text.
    pub async fn body_text(&self) -> String {
        self.text("body").await
    }

    pub async fn set_window_size(&self, width: u32, height: u32) {
        self.command(
            "POST",
            "window/rect",
            json!({ "width": width, "height": height }),
        )
        .await;
    }

    /// Runs a script in the page and returns its value (tests only read with it).
    pub async fn script(&self, script: &str) -> Value {
        self.command(
            "POST",
            "execute/sync",
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    /// Saves a PNG of the viewport as `NN-step.png`; returns its path.
    pub async fn screenshot(&mut self, step: &str) -> PathBuf {
        self.step += 1;
        let b64 = self.command("GET", "screenshot", Value::Null).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or_default())
            .expect("screenshot is base64");
        let path = self.shots.join(format!("{:02}-{step}.png", self.step));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Forgets every cookie (a new person at the same browser).
    pub async fn clear_cookies(&self) {
        self.command("DELETE", "cookie", Value::Null).await;
    }
}

impl Drop for Browser {
    /// Ends the session (which closes Chromium) with a plain blocking request, since a drop
    /// cannot await, then stops chromedriver.
    fn drop(&mut self) {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let request = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\n\
                 Connection: close\r\n\r\n",
                self.session, self.port
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                let mut answer = Vec::new();
                let _ = stream.read_to_end(&mut answer);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
