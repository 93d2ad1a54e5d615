//! The outbox end to end: a real local SMTP listener, a mock HTTP SMS gateway, retries,
//! permanent failures, concurrent workers and rolled-back transactions.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod gateway;
mod smtp_server;

use std::sync::Arc;
use std::time::{Duration, Instant};

use epass::config::{OutboxConfig, SenderKind};
use epass::outbox::{SmtpSender, Worker, WorkerSettings, sender_from_config};
use epass::store::outbox::{self as store, Channel};
use epass::store::{Db, now_ms};

use self::gateway::{gateway, http_sender};
use self::smtp_server::{body_text, decode_words, header, smtp_server};
use crate::helpers::{fresh_db, fresh_db_url};

fn fast(max_attempts: i64) -> WorkerSettings {
    WorkerSettings {
        max_attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        send_timeout: Duration::from_secs(5),
        batch_size: 5,
        poll_interval: Duration::from_millis(20),
        ..WorkerSettings::default()
    }
}

async fn enqueue(db: &Db, channel: Channel, to: &str, subject: &str, body: &str) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let id = store::enqueue(&mut tx, channel, to, subject, body)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Runs rounds until nothing is pending or sending, or panics after 20 s.
async fn drain(worker: &Worker, db: &Db) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while store::depth(db.pool()).await.unwrap() > 0 {
        assert!(Instant::now() < deadline, "outbox did not drain");
        worker.run_once().await.unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_is_delivered_through_a_real_smtp_listener_with_its_chinese_body() {
    let db = fresh_db().await;
    let (addr, mails) = smtp_server().await;
    let sender = SmtpSender::new(
        &format!("smtp://{addr}"),
        "epass <epass@localhost>",
        Duration::from_secs(5),
    )
    .unwrap();
    let worker = Worker::new(db.clone(), Arc::new(sender), fast(3));
    let body = "您的通行证已签发。\n编号：沪A·12345，有效期至 2026-12-31。";
    let id = enqueue(
        &db,
        Channel::Email,
        "zhang.san@example.cn",
        "通行证已签发",
        body,
    )
    .await;

    assert_eq!(worker.run_once().await.unwrap(), 1);

    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.rcpt, ["<zhang.san@example.cn>"]);
    assert_eq!(
        decode_words(&header(&mail.data, "Subject").unwrap()),
        "通行证已签发"
    );
    assert_eq!(
        header(&mail.data, "Message-ID").unwrap(),
        format!("<outbox-{id}@epass>")
    );
    assert!(
        header(&mail.data, "To")
            .unwrap()
            .contains("zhang.san@example.cn")
    );
    assert_eq!(body_text(&mail.data).replace("\r\n", "\n"), body);

    let state = store::state(db.pool(), id).await.unwrap();
    assert_eq!(state.status, "sent");
    let attempts = store::attempts(db.pool(), id).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert!(attempts[0].ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sms_reaches_the_http_gateway_with_the_configured_headers_and_a_json_body() {
    let db = fresh_db().await;
    let (url, gw) = gateway(&[], None).await;
    let worker = Worker::new(db.clone(), http_sender(&url), fast(3));
    let body = "验证码 \"123456\"\n5 分钟内有效 \\ {{to}}";
    let id = enqueue(&db, Channel::Sms, "+8613800138000", "登录", body).await;

    assert_eq!(worker.run_once().await.unwrap(), 1);

    let requests = gw.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.headers["authorization"], "Bearer t0ken");
    assert_eq!(r.headers["x-api-key"], "k-123");
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(
        r.headers["idempotency-key"],
        format!("epass-outbox-{id}").as_str()
    );
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"to": "+8613800138000", "text": body, "subject": "登录", "sign": "epass"})
    );
    assert_eq!(store::state(db.pool(), id).await.unwrap().status, "sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_that_fails_then_recovers_gets_every_message_exactly_once() {
    let db = fresh_db().await;
    let (url, gw) = gateway(&[503, 503, 500, 503, 429, 503, 408], None).await;
    let worker = Worker::new(db.clone(), http_sender(&url), fast(20));
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            enqueue(
                &db,
                Channel::Sms,
                "+8613800138000",
                "",
                &format!("消息 {i}"),
            )
            .await,
        );
    }

    drain(&worker, &db).await;
    // Later rounds find nothing to send.
    assert_eq!(worker.run_once().await.unwrap(), 0);

    let successes = gw.successes();
    assert_eq!(successes.len(), 3, "{successes:?}");
    assert!(successes.values().all(|&n| n == 1), "{successes:?}");
    let mut recorded = 0;
    for id in &ids {
        assert_eq!(store::state(db.pool(), *id).await.unwrap().status, "sent");
        let attempts = store::attempts(db.pool(), *id).await.unwrap();
        // Every attempt recorded: failures first, then exactly one success, last.
        assert_eq!(attempts.iter().filter(|a| a.ok).count(), 1);
        assert!(attempts.last().unwrap().ok);
        assert!(attempts.iter().filter(|a| !a.ok).all(|a| a.error.is_some()));
        recorded += attempts.len();
    }
    assert_eq!(recorded, gw.requests().len());
    assert_eq!(gw.requests().len(), 3 + 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_400_marks_the_message_failed_after_one_attempt() {
    let db = fresh_db().await;
    let (url, gw) = gateway(&[], Some(400)).await;
    let worker = Worker::new(db.clone(), http_sender(&url), fast(5));
    let id = enqueue(&db, Channel::Sms, "not-a-number", "", "x").await;

    drain(&worker, &db).await;
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(worker.run_once().await.unwrap(), 0);

    assert_eq!(gw.requests().len(), 1);
    let state = store::state(db.pool(), id).await.unwrap();
    assert_eq!(state.status, "failed");
    assert_eq!(state.attempts, 1);
    assert!(state.last_error.unwrap().contains("400"));
    assert_eq!(store::attempts(db.pool(), id).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_that_keeps_failing_is_failed_after_max_attempts() {
    let db = fresh_db().await;
    let (url, gw) = gateway(&[], Some(503)).await;
    let worker = Worker::new(db.clone(), http_sender(&url), fast(3));
    let id = enqueue(&db, Channel::Sms, "+8613800138000", "", "x").await;

    drain(&worker, &db).await;
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(worker.run_once().await.unwrap(), 0);

    assert_eq!(gw.requests().len(), 3);
    let state = store::state(db.pool(), id).await.unwrap();
    assert_eq!((state.status.as_str(), state.attempts), ("failed", 3));
    let attempts = store::attempts(db.pool(), id).await.unwrap();
    assert_eq!(attempts.len(), 3);
    assert!(attempts.iter().all(|a| !a.ok));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_running_at_once_deliver_fifty_messages_exactly_once() {
    // Two pools on one database, as two application nodes would have.
    let url = fresh_db_url().await;
    let db = Db::open(&url).await.unwrap();
    let other_node = Db::open(&url).await.unwrap();
    // Some transient failures so retries interleave with first attempts.
    let (gw_url, gw) = gateway(&[503; 10], None).await;
    let mut ids = Vec::new();
    for i in 0..50 {
        ids.push(enqueue(&db, Channel::Sms, "+8613800138000", "", &format!("#{i}")).await);
    }
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let handles: Vec<_> = [db.clone(), other_node]
        .into_iter()
        .map(|node| Worker::new(node, http_sender(&gw_url), fast(20)).spawn(shutdown.clone()))
        .collect();

    let deadline = Instant::now() + Duration::from_secs(30);
    while store::depth(db.pool()).await.unwrap() > 0 {
        assert!(Instant::now() < deadline, "outbox did not drain");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).unwrap();
    for h in handles {
        tokio::time::timeout(Duration::from_secs(10), h)
            .await
            .unwrap()
            .unwrap();
    }

    let successes = gw.successes();
    assert_eq!(successes.len(), 50);
    assert!(successes.values().all(|&n| n == 1), "{successes:?}");
    for id in ids {
        assert_eq!(store::state(db.pool(), id).await.unwrap().status, "sent");
        let attempts = store::attempts(db.pool(), id).await.unwrap();
        assert_eq!(attempts.iter().filter(|a| a.ok).count(), 1);
    }
    assert_eq!(gw.requests().len(), 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_never_lease_one_message_twice() {
    let db = fresh_db().await;
    for i in 0..60 {
        enqueue(&db, Channel::Sms, "+8613800138000", "", &format!("#{i}")).await;
    }
    let now = now_ms();
    let claimers: Vec<_> = (0..8)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let claims = store::claim_due(db.pool(), now, 60_000, 3).await.unwrap();
                    if claims.is_empty() {
                        return mine;
                    }
                    mine.extend(claims.into_iter().map(|c| c.message.id));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for c in claimers {
        all.extend(c.await.unwrap());
    }
    all.sort_unstable();
    let before = all.len();
    all.dedup();
    assert_eq!(before, all.len(), "a message was leased twice");
    assert_eq!(all.len(), 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enqueue_in_a_transaction_that_rolls_back_sends_nothing() {
    let db = fresh_db().await;
    let (url, gw) = gateway(&[], None).await;
    let worker = Worker::new(db.clone(), http_sender(&url), fast(3));
    let mut tx = db.begin().await.unwrap();
    store::enqueue(&mut tx, Channel::Sms, "+8613800138000", "", "never")
        .await
        .unwrap();
    tx.rollback().await.unwrap();

    assert_eq!(worker.run_once().await.unwrap(), 0);
    assert_eq!(store::depth(db.pool()).await.unwrap(), 0);
    assert!(gw.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_held_is_not_claimed_again_and_an_expired_one_is_with_a_fenced_outcome() {
    let db = fresh_db().await;
    let id = enqueue(&db, Channel::Sms, "+8613800138000", "", "x").await;
    let now = now_ms();
    let first = store::claim_due(db.pool(), now, 1_000, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].message.attempt, 1);
    assert!(
        store::claim_due(db.pool(), now + 500, 1_000, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // The first worker died; its lease ran out and a second worker takes the message over.
    let second = store::claim_due(db.pool(), now + 2_000, 1_000, 10)
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].message.attempt, 2);

    // The stale worker's failure is logged but cannot reschedule the message under the new lease.
    let stale = store::Outcome::Retry {
        at: now,
        error: "late",
    };
    assert!(
        !store::record_attempt(&db, &first[0], now + 2_100, stale)
            .await
            .unwrap()
    );
    assert_eq!(store::state(db.pool(), id).await.unwrap().status, "sending");
    assert!(
        store::record_attempt(&db, &second[0], now + 2_200, store::Outcome::Sent)
            .await
            .unwrap()
    );
    assert_eq!(store::state(db.pool(), id).await.unwrap().status, "sent");
    assert_eq!(store::attempts(db.pool(), id).await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_sender_comes_from_the_configuration() {
    let db = fresh_db().await;
    // The default configuration logs messages; they count as sent.
    let worker = Worker::from_config(db.clone(), &OutboxConfig::default()).unwrap();
    let id = enqueue(&db, Channel::Sms, "+8613800138000", "", "dev").await;
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(store::state(db.pool(), id).await.unwrap().status, "sent");

    let missing = OutboxConfig {
        sender: SenderKind::Smtp,
        ..OutboxConfig::default()
    };
    assert!(sender_from_config(&missing).is_err());
    let bad_template = OutboxConfig {
        sender: SenderKind::Http,
        http_url: Some("http://127.0.0.1:9/sms".into()),
        http_body: r#"{"to":{{to}}}"#.into(),
        ..OutboxConfig::default()
    };
    assert!(sender_from_config(&bad_template).is_err());
    let http_only = OutboxConfig {
        sender: SenderKind::Http,
        http_url: Some("http://127.0.0.1:9/sms".into()),
        ..OutboxConfig::default()
    };
    let sender = sender_from_config(&http_only).unwrap();
    // No SMTP configured: an e-mail fails for good instead of retrying forever.
    let email = epass::outbox::Message {
        id: 1,
        channel: Channel::Email,
        recipient: "a@example.cn".into(),
        subject: String::new(),
        body: String::new(),
        attempt: 1,
    };
    assert!(sender.send(&email).await.unwrap_err().is_permanent());
}
