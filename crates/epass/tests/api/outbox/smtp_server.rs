//! A minimal SMTP server for the tests (220 greeting, EHLO/HELO, MAIL, RCPT, DATA, QUIT) that
//! keeps what it receives, and just enough MIME decoding to read it back.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Debug, Default)]
pub struct Mail {
    pub rcpt: Vec<String>,
    pub data: String,
}

pub async fn smtp_server() -> (SocketAddr, Arc<Mutex<Vec<Mail>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let sink = mails.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(smtp_session(socket, sink.clone()));
        }
    });
    (addr, mails)
}

async fn smtp_session(socket: TcpStream, mails: Arc<Mutex<Vec<Mail>>>) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 test ESMTP ready\r\n").await?;
    let mut mail = Mail::default();
    loop {
        let mut line = Vec::new();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let line = String::from_utf8_lossy(&line).trim_end().to_owned();
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250 test\r\n"
        } else if upper.starts_with("RCPT TO:") {
            mail.rcpt.push(line[8..].trim().to_owned());
            b"250 OK\r\n"
        } else if upper == "DATA" {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut data = Vec::new();
            loop {
                let mut l = Vec::new();
                if read.read_until(b'\n', &mut l).await? == 0 {
                    return Ok(());
                }
                if l == b".\r\n" {
                    break;
                }
                // Undo dot-stuffing.
                let l = if l.starts_with(b"..") {
                    &l[1..]
                } else {
                    &l[..]
                };
                data.extend_from_slice(l);
            }
            mail.data = String::from_utf8(data).unwrap();
            mails.lock().unwrap().push(std::mem::take(&mut mail));
            b"250 queued\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 OK\r\n"
        };
        write.write_all(reply).await?;
    }
}

/// Header value by name, unfolded.
pub fn header(data: &str, name: &str) -> Option<String> {
    let head = data.split("\r\n\r\n").next()?;
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`).
pub fn decode_words(value: &str) -> String {
    let mut bytes = Vec::new();
    let mut plain = String::new();
    for token in value.split([' ', '\t']) {
        let Some(inner) = token.strip_prefix("=?").and_then(|t| t.strip_suffix("?=")) else {
            plain.push_str(&String::from_utf8(std::mem::take(&mut bytes)).unwrap());
            if !plain.is_empty() {
                plain.push(' ');
            }
            plain.push_str(token);
            continue;
        };
        let mut parts = inner.splitn(3, '?');
        let (_charset, enc, text) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
        if enc.eq_ignore_ascii_case("b") {
            bytes.extend(
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .unwrap(),
            );
        } else {
            bytes.extend(quoted_printable(&text.replace('_', " ")));
        }
    }
    plain.push_str(&String::from_utf8(bytes).unwrap());
    plain
}

fn quoted_printable(s: &str) -> Vec<u8> {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// The body, decoded per its Content-Transfer-Encoding.
pub fn body_text(data: &str) -> String {
    let (_, raw) = data.split_once("\r\n\r\n").unwrap();
    let cte = header(data, "Content-Transfer-Encoding").unwrap_or_default();
    let bytes = match cte.to_ascii_lowercase().as_str() {
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(raw.replace("\r\n", ""))
            .unwrap(),
        "quoted-printable" => quoted_printable(raw),
        _ => raw.as_bytes().to_vec(),
    };
    String::from_utf8(bytes).unwrap().trim_end().to_owned()
}
