//! Just enough of the W3C WebDriver protocol to drive headless Chromium
//! through ChromeDriver: open pages, type, click, read, run scripts, take
//! screenshots and run axe-core.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: awc::Client,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    pub async fn start() -> Self {
        let port = free_port();
        let driver =
            Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver (install chromium-driver)");
        let http = awc::Client::builder()
            .timeout(Duration::from_secs(60))
            .finish();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            if let Ok(mut res) = http.get(format!("{base}/status")).send().await {
                if res
                    .json::<Value>()
                    .await
                    .is_ok_and(|v| v["value"]["ready"] == true)
                {
                    break;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-dev-shm-usage", "--window-size=1280,1600"]
            }
        }}});
        let mut res = http
            .post(format!("{base}/session"))
            .send_json(&caps)
            .await
            .expect("new session");
        let body: Value = res.json().limit(1 << 20).await.unwrap();
        let session = body["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {body}"))
            .to_owned();
        Self {
            driver,
            base,
            session,
            http,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url),
        };
        let mut res = if method == "POST" {
            req.send_json(&body).await
        } else {
            req.send().await
        }
        .expect("webdriver request");
        let v: Value = res.json().limit(64 << 20).await.expect("webdriver answer");
        if v["value"].get("error").is_some() {
            panic!("webdriver {method} {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    pub async fn go(&self, url: &str) {
        self.call("POST", "/url", json!({ "url": url })).await;
    }

    pub async fn url(&self) -> String {
        self.call("GET", "/url", Value::Null)
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    async fn find(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let mut res = self
                .http
                .post(url)
                .send_json(&json!({"using": "css selector", "value": css}))
                .await
                .expect("find element");
            let v: Value = res.json().await.unwrap();
            if let Some(id) = v["value"][ELEMENT].as_str() {
                return id.to_owned();
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no element {css}: {}",
                v["value"]
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call("POST", &format!("/element/{id}/click"), json!({}))
            .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        if !css.contains("file") {
            self.call("POST", &format!("/element/{id}/clear"), json!({}))
                .await;
        }
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.find(css).await;
        self.script(
            "const s = document.querySelector(arguments[0]); s.value = arguments[1]; \
             s.dispatchEvent(new Event('change', {bubbles: true}));",
            &[json!(css), json!(value)],
        )
        .await;
    }

    pub async fn text(&self) -> String {
        self.script("return document.body ? document.body.innerText : ''", &[])
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// Waits (following the page's own refreshes) until it shows `needle`.
    pub async fn wait_for_text(&self, needle: &str) {
        let started = Instant::now();
        loop {
            if self.text().await.contains(needle) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the page never showed {needle:?}: {}",
                self.text().await
            );
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn script(&self, script: &str, args: &[Value]) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": args }),
        )
        .await
    }

    pub async fn script_async(&self, script: &str, args: &[Value]) -> Value {
        self.call(
            "POST",
            "/execute/async",
            json!({ "script": script, "args": args }),
        )
        .await
    }

    pub async fn screenshot(&self, path: &Path) {
        let png = self.call("GET", "/screenshot", Value::Null).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or(""))
            .expect("a PNG");
        std::fs::write(path, bytes).unwrap();
    }

    /// Runs axe-core on the page; fails on any serious or critical violation.
    pub async fn check_accessibility(&self, page: &str) {
        let path = std::env::var("LOCALSPEND_AXE").unwrap_or_else(|_| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/target/e2e-node/node_modules/axe-core/axe.min.js"
            )
            .into()
        });
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("axe-core at {path} ({e}): npm install --prefix target/e2e-node axe-core")
        });
        self.script(&format!("{source}\nreturn true;"), &[]).await;
        let found = self
            .script_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})\
                   .then(r => done(r.violations\
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')\
                     .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))\
                   .catch(e => done(['axe failed: ' + e]));",
                &[],
            )
            .await;
        let problems: Vec<String> = found
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            problems.is_empty(),
            "accessibility of the {page} page:\n{}",
            problems.join("\n")
        );
    }

    pub async fn quit(mut self) {
        self.call("DELETE", "", Value::Null).await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
