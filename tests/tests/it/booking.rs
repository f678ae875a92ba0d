//! Window appointments (§4.2.2): GIVEN the demo windows and their schedules, WHEN citizens book,
//! cancel and (do not) come, and the department's staff work the day, THEN slots follow the
//! working-day calendar, a slot's capacity is never exceeded whatever the concurrency, and
//! every citizen is told what happens to their booking.
//!
//! The capacity suite (`capacity_*` functions) takes a [`TestApp`] so that it runs on any
//! backend: here on SQLite; the DynamoDB adapter will run the same functions on
//! `TestApp::spawn_on(<its store>)`.

use http::Method;
use serde_json::{Value, json};
use time::{Date, macros::datetime};
use wangban_shared::{
    domain::{booking::ClockTime, catalogue::iso_date},
    store::booking as repo,
};
use wangban_tests::{TestApp, TestResponse, ids};

const FOOD_WINDOW: &str = "gy-amr-food"; // gy-amr, handles GY-SCJG-001
const FOOD: &str = "GY-SCJG-001"; // 食品经营许可, individuals and enterprises
const HEALTH_WINDOW: &str = "gy-hc-licensing"; // gy-hc
const HYGIENE: &str = "GY-WJW-001"; // 公共场所卫生许可, individuals and enterprises
const WATER: &str = "GY-WJW-003"; // 饮用水供水单位卫生许可, enterprises only

fn d(s: &str) -> Date {
    iso_date::parse(s).unwrap()
}

fn t(s: &str) -> ClockTime {
    ClockTime::parse(s).unwrap()
}

fn booking(window: &str, item: &str, date: &str, start: &str) -> Value {
    json!({"windowId": window, "itemCode": item, "date": date, "start": start})
}

async fn book(app: &TestApp, token: &str, window: &str, item: &str, date: &str, start: &str) -> TestResponse {
    app.post_as("/api/v1/appointments", booking(window, item, date, start), token).await
}

#[track_caller]
fn created(r: &TestResponse) -> Value {
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    r.json()
}

fn no_of(body: &Value) -> String {
    body["appointmentNo"].as_str().unwrap().to_owned()
}

/// The department administrator of a window's department.
fn admin_of(window: &str) -> &'static str {
    match window {
        FOOD_WINDOW => "admin-gy-amr",
        HEALTH_WINDOW => "admin-gy-hc",
        other => panic!("no admin known for {other}"),
    }
}

/// Sets a window's capacity per slot through the API, as its department's administrator.
async fn set_capacity(app: &TestApp, window: &str, capacity: u16) -> Value {
    let windows = app.get("/api/v1/windows").await.json();
    let mut schedule =
        windows["items"].as_array().unwrap().iter().find(|w| w["id"] == window).unwrap()["schedule"].clone();
    schedule["capacity"] = json!(capacity);
    let admin = app.staff_token(admin_of(window)).await;
    let r = app
        .call(Method::PUT, &format!("/api/v1/windows/{window}/schedule"), Some(schedule), Some(&admin))
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    r.json()
}

/// `n` citizens written straight into the store, with fresh tokens.
async fn citizens(app: &TestApp, n: usize) -> Vec<String> {
    let mut tokens = Vec::new();
    for i in 0..n {
        let user = app.citizen_in_store(&format!("市民{i}")).await;
        tokens.push(app.citizen_token(&user));
    }
    tokens
}

/// The slot's count of booked places, as the store holds it.
async fn slot_booked(app: &TestApp, window: &str, date: &str, start: &str) -> u32 {
    repo::slot_count(app.ctx.store.as_ref(), window, d(date), t(start)).await.unwrap().booked
}

/// The appointments that hold a place in the slot (everything but cancelled ones).
async fn holders(app: &TestApp, window: &str, date: &str, start: &str) -> Vec<String> {
    repo::window_day(app.ctx.store.as_ref(), window, d(date))
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.value.start == t(start) && a.value.status.holds_place())
        .map(|a| a.value.no.to_string())
        .collect()
}

fn slot_of<'a>(listing: &'a Value, date: &str, start: &str) -> Option<&'a Value> {
    listing["items"].as_array().unwrap().iter().find(|s| s["date"] == date && s["start"] == start)
}

async fn inbox_titles(app: &TestApp, token: &str) -> Vec<String> {
    let inbox = app.get_as("/api/v1/me/messages", token).await.json();
    inbox["items"].as_array().unwrap().iter().map(|m| m["title"].as_str().unwrap().to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------
// Slots and the calendar
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn slots_are_offered_for_the_next_working_days_but_not_on_a_holiday() {
    let app = TestApp::spawn().await;
    // GIVEN Tuesday 2026-09-29, 09:00: 国庆节 runs 10-01..10-07 and Saturday 10-10 is a make-up working day
    app.set_time(datetime!(2026-09-29 09:00 +08:00));

    // WHEN the public lists the slots of the food window for every bookable day
    let r = app.get(&format!("/api/v1/slots?window={FOOD_WINDOW}&item={FOOD}")).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    let listing = r.json();

    // THEN today and the next 7 working days are offered, holidays and Sundays are not
    assert_eq!(listing["lastBookableDate"], "2026-10-14");
    assert_eq!(listing["item"]["name"], "食品经营许可");
    let dates: std::collections::BTreeSet<&str> =
        listing["items"].as_array().unwrap().iter().map(|s| s["date"].as_str().unwrap()).collect();
    let expected = [
        "2026-09-29",
        "2026-09-30",
        "2026-10-08",
        "2026-10-09",
        "2026-10-10",
        "2026-10-12",
        "2026-10-13",
        "2026-10-14",
    ];
    assert_eq!(dates.into_iter().collect::<Vec<_>>(), expected);
    let day =
        |date: &str| listing["days"].as_array().unwrap().iter().find(|x| x["date"] == date).unwrap().clone();
    assert_eq!(day("2026-10-01")["open"], false);
    assert_eq!(day("2026-10-01")["code"], "not_a_working_day");
    assert_eq!(day("2026-10-01")["holiday"], "国庆节");
    assert!(day("2026-10-01")["detail"].as_str().unwrap().contains("国庆节"));
    assert_eq!(day("2026-10-11")["code"], "not_a_working_day", "a plain Sunday");
    assert_eq!(day("2026-10-10")["open"], true, "the make-up Saturday opens");
    // Today's past slots and those whose booking closed (30 minutes before) are not offered.
    assert!(slot_of(&listing, "2026-09-29", "09:00").is_none());
    assert!(slot_of(&listing, "2026-09-29", "09:30").is_none());
    let first = slot_of(&listing, "2026-09-29", "10:00").unwrap();
    assert_eq!(
        (first["end"].as_str(), first["capacity"].as_u64(), first["remaining"].as_u64()),
        (Some("10:30"), Some(4), Some(4))
    );
    // Morning 09:00–12:00 and afternoon 13:00–17:00 in 30-minute slots.
    assert_eq!(listing["items"].as_array().unwrap().iter().filter(|s| s["date"] == "2026-09-30").count(), 14);

    // One day on its own: the holiday answers why it has no slots.
    let holiday =
        app.get(&format!("/api/v1/slots?window={FOOD_WINDOW}&item={FOOD}&date=2026-10-05")).await.json();
    assert_eq!(holiday["items"], json!([]));
    assert_eq!(holiday["days"][0]["code"], "not_a_working_day");
    let beyond = app.get(&format!("/api/v1/slots?window={FOOD_WINDOW}&date=2026-10-15")).await.json();
    assert_eq!(
        (beyond["items"].clone(), beyond["days"][0]["code"].clone()),
        (json!([]), json!("beyond_booking_horizon"))
    );
    let past = app.get(&format!("/api/v1/slots?window={FOOD_WINDOW}&date=2026-09-28")).await.json();
    assert_eq!(past["days"][0]["code"], "date_in_past");

    // A booking on the holiday is refused with the holiday named; on the make-up Saturday it works.
    let citizen = citizens(&app, 1).await.remove(0);
    let refused = book(&app, &citizen, FOOD_WINDOW, FOOD, "2026-10-05", "09:00")
        .await
        .assert_problem(422, "not_a_working_day");
    assert_eq!(refused["holiday"], "国庆节");
    let saturday = created(&book(&app, &citizen, FOOD_WINDOW, FOOD, "2026-10-10", "09:00").await);
    assert_eq!(saturday["weekday"], "星期六");
}

#[tokio::test]
async fn slot_queries_are_checked() {
    let app = TestApp::spawn().await;
    app.get(&format!("/api/v1/slots?window={FOOD_WINDOW}&item={HYGIENE}"))
        .await
        .assert_problem(422, "item_not_at_window");
    app.get(&format!("/api/v1/slots?window={FOOD_WINDOW}&item=not%20a%20code"))
        .await
        .assert_problem(422, "item_not_at_window");
    app.get("/api/v1/slots?window=no-such-window").await.assert_problem(404, "window_not_found");
    app.get(&format!("/api/v1/slots?window={FOOD_WINDOW}&date=2026-13-01"))
        .await
        .assert_problem(422, "invalid_date");
    app.get("/api/v1/slots").await.assert_problem(400, "invalid_query");
    // The transport window cuts its sessions into 20-minute slots for 2.
    let transport = app.get("/api/v1/slots?window=gy-transport-licensing&date=2026-12-04").await.json();
    assert_eq!(transport["items"][0]["end"], "09:20");
    assert_eq!(transport["items"][0]["capacity"], 2);
}

// ---------------------------------------------------------------------------------------------
// Booking, confirming, cancelling
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_booking_is_confirmed_with_window_location_time_and_what_to_bring() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;

    // WHEN a citizen books tomorrow 09:30 at the food window
    app.trips.reset();
    let r = book(&app, &citizen, FOOD_WINDOW, FOOD, "2026-12-04", "09:30").await;
    let body = created(&r);
    assert_eq!(app.trips.writes(), 1, "the booking is one transaction");

    // THEN the answer has the number and says window, location, date, time and what to bring
    let no = no_of(&body);
    assert!(no.starts_with("YY20261204-") && no.len() == 17, "{no}");
    assert_eq!(r.header("location"), Some(format!("/api/v1/appointments/{no}").as_str()));
    assert_eq!(body["status"], "confirmed");
    assert_eq!(body["windowName"], "市场监管·食品经营许可窗口");
    assert!(body["location"].as_str().unwrap().contains("贵阳市政务服务中心"));
    assert_eq!(
        (body["date"].as_str(), body["start"].as_str(), body["end"].as_str()),
        (Some("2026-12-04"), Some("09:30"), Some("10:00"))
    );
    assert_eq!(body["cancellableUntil"], "2026-12-04T09:00:00+08:00");
    let guide = app.get(&format!("/api/v1/items/{FOOD}")).await.json();
    let required: Vec<&str> = guide["materials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["required"] == true)
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    let bring: Vec<&str> =
        body["bring"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(bring, required, "the item's required materials, by name");
    let confirmation = body["confirmation"].as_str().unwrap();
    for expected in
        [no.as_str(), "市场监管·食品经营许可窗口", "2026年12月4日（星期五） 09:30–10:00", "食品经营许可"]
    {
        assert!(confirmation.contains(expected), "missing {expected:?} in {confirmation}");
    }
    for name in &required {
        assert!(confirmation.contains(name), "missing material {name} in {confirmation}");
    }

    // AND the confirmation is in the inbox, the list shows it, and the slot has one place fewer
    assert!(inbox_titles(&app, &citizen).await.iter().any(|t| t.starts_with("预约成功")));
    let mine = app.get_as("/api/v1/appointments", &citizen).await.json();
    assert_eq!(mine["items"][0]["appointmentNo"], no.as_str());
    let one = app.get_as(&format!("/api/v1/appointments/{no}"), &citizen).await.json();
    assert_eq!(one["confirmation"], body["confirmation"]);
    assert!(one.get("applicantName").is_none(), "the citizen's own view");
    let listing = app.get(&format!("/api/v1/slots?window={FOOD_WINDOW}&date=2026-12-04")).await.json();
    assert_eq!(slot_of(&listing, "2026-12-04", "09:30").unwrap()["remaining"], 3);
    assert_eq!(slot_booked(&app, FOOD_WINDOW, "2026-12-04", "09:30").await, 1);

    // One booking per citizen, item and day; staff cannot book; enterprise-only items stay so.
    book(&app, &citizen, FOOD_WINDOW, FOOD, "2026-12-04", "14:00")
        .await
        .assert_problem(409, "already_booked");
    assert_eq!(
        slot_booked(&app, FOOD_WINDOW, "2026-12-04", "14:00").await,
        0,
        "a refused booking writes nothing"
    );
    created(&book(&app, &citizen, FOOD_WINDOW, FOOD, "2026-12-07", "09:30").await);
    created(&book(&app, &citizen, HEALTH_WINDOW, HYGIENE, "2026-12-04", "09:30").await);
    book(&app, &citizen, HEALTH_WINDOW, WATER, "2026-12-04", "10:00")
        .await
        .assert_problem(422, "applicant_kind_not_allowed");
    book(&app, &citizen, FOOD_WINDOW, HYGIENE, "2026-12-04", "10:00")
        .await
        .assert_problem(422, "item_not_at_window");
    let clerk = app.staff_token("clerk-gy-amr").await;
    book(&app, &clerk, FOOD_WINDOW, FOOD, "2026-12-04", "10:00").await.assert_problem(403, "forbidden");
    app.post("/api/v1/appointments", booking(FOOD_WINDOW, FOOD, "2026-12-04", "10:00"))
        .await
        .assert_problem(401, "unauthorized");
    let bad = json!({"windowId": FOOD_WINDOW, "itemCode": FOOD, "date": "04/12/2026", "start": "9h30"});
    let problem =
        app.post_as("/api/v1/appointments", bad, &citizen).await.assert_problem(422, "validation_failed");
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retried_booking_with_the_same_idempotency_key_books_once() {
    let app = TestApp::spawn().await;
    let citizen = citizens(&app, 1).await.remove(0);
    let send = |body: Value| {
        let mut request = TestApp::request(Method::POST, "/api/v1/appointments", Some(body), Some(&citizen));
        request.headers_mut().insert("idempotency-key", "book-once-1".parse().unwrap());
        request
    };
    let first = created(&app.send(send(booking(FOOD_WINDOW, FOOD, "2026-12-04", "09:30"))).await);
    let again = created(&app.send(send(booking(FOOD_WINDOW, FOOD, "2026-12-04", "09:30"))).await);
    assert_eq!(first["appointmentNo"], again["appointmentNo"]);
    assert_eq!(slot_booked(&app, FOOD_WINDOW, "2026-12-04", "09:30").await, 1);
    app.send(send(booking(FOOD_WINDOW, FOOD, "2026-12-04", "10:00")))
        .await
        .assert_problem(422, "idempotency_key_reused");
    // Retried at once by a nervous client: still one booking.
    let burst = app
        .send_concurrently(
            (0..6)
                .map(|_| {
                    let mut r = TestApp::request(
                        Method::POST,
                        "/api/v1/appointments",
                        Some(booking(FOOD_WINDOW, FOOD, "2026-12-07", "09:30")),
                        Some(&citizen),
                    );
                    r.headers_mut().insert("idempotency-key", "book-once-2".parse().unwrap());
                    r
                })
                .collect(),
        )
        .await;
    let statuses: Vec<u16> = burst.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, [201; 6], "every retry gets the booking");
    let numbers: std::collections::BTreeSet<String> = burst.iter().map(|r| no_of(&r.json())).collect();
    assert_eq!(numbers.len(), 1);
    assert_eq!(slot_booked(&app, FOOD_WINDOW, "2026-12-07", "09:30").await, 1);
}

#[tokio::test]
async fn cancelling_frees_the_place_and_nobody_else_can_cancel_or_see_my_booking() {
    let app = TestApp::spawn().await;
    set_capacity(&app, FOOD_WINDOW, 1).await;
    let mut tokens = citizens(&app, 2).await;
    let (me, other) = (tokens.remove(0), tokens.remove(0));

    let mine = created(&book(&app, &me, FOOD_WINDOW, FOOD, "2026-12-04", "09:30").await);
    let no = no_of(&mine);
    book(&app, &other, FOOD_WINDOW, FOOD, "2026-12-04", "09:30").await.assert_problem(409, "slot_full");

    // Another citizen, and staff of another department, cannot see or cancel it.
    app.call(Method::DELETE, &format!("/api/v1/appointments/{no}"), None, Some(&other))
        .await
        .assert_problem(404, "appointment_not_found");
    app.get_as(&format!("/api/v1/appointments/{no}"), &other)
        .await
        .assert_problem(404, "appointment_not_found");
    assert_eq!(app.get_as("/api/v1/appointments", &other).await.json()["items"], json!([]));
    let foreign_clerk = app.staff_token("clerk-gy-hc").await;
    app.get_as(&format!("/api/v1/appointments/{no}"), &foreign_clerk)
        .await
        .assert_problem(404, "appointment_not_found");
    app.call(Method::DELETE, &format!("/api/v1/appointments/{no}"), None, Some(&foreign_clerk))
        .await
        .assert_problem(403, "forbidden");
    app.get_as("/api/v1/appointments/YY20261204-NOSUCH", &me)
        .await
        .assert_problem(404, "appointment_not_found");
    // The window's own clerk sees who is coming, numbers masked.
    let clerk = app.staff_token("clerk-gy-amr").await;
    let seen = app.get_as(&format!("/api/v1/appointments/{no}"), &clerk).await.json();
    assert_eq!(seen["applicantName"], "市民0");
    assert_eq!(slot_booked(&app, FOOD_WINDOW, "2026-12-04", "09:30").await, 1);

    // WHEN I cancel THEN the place is free at once and the other citizen gets it
    let r = app.call(Method::DELETE, &format!("/api/v1/appointments/{no}"), None, Some(&me)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!(
        (r.json()["status"].as_str(), r.json()["cancelledBy"].as_str()),
        (Some("cancelled"), Some("citizen"))
    );
    assert_eq!(slot_booked(&app, FOOD_WINDOW, "2026-12-04", "09:30").await, 0);
    assert!(inbox_titles(&app, &me).await.iter().any(|t| t.starts_with("预约已取消")));
    // Cancelling again answers the same, and frees nothing more.
    let again = app.call(Method::DELETE, &format!("/api/v1/appointments/{no}"), None, Some(&me)).await;
    assert_eq!((again.status.as_u16(), again.json()["status"].clone()), (200, json!("cancelled")));
    assert_eq!(slot_booked(&app, FOOD_WINDOW, "2026-12-04", "09:30").await, 0);
    created(&book(&app, &other, FOOD_WINDOW, FOOD, "2026-12-04", "09:30").await);
    // And I may book the item that day again (my claim on the day was released).
    created(&book(&app, &me, FOOD_WINDOW, FOOD, "2026-12-04", "10:00").await);
}

#[tokio::test]
async fn booking_and_cancelling_close_before_the_slot_starts() {
    let app = TestApp::spawn().await; // Thursday 2026-12-03 09:00
    let user = app.citizen_in_store("市民").await;
    let citizen = app.citizen_token(&user);
    book(&app, &citizen, FOOD_WINDOW, FOOD, "2026-12-03", "09:00")
        .await
        .assert_problem(409, "booking_closed");
    book(&app, &citizen, FOOD_WINDOW, FOOD, "2026-12-03", "09:30")
        .await
        .assert_problem(409, "booking_closed");
    book(&app, &citizen, FOOD_WINDOW, FOOD, "2026-12-03", "09:10").await.assert_problem(422, "no_such_slot");
    book(&app, &citizen, FOOD_WINDOW, FOOD, "2026-12-02", "10:00").await.assert_problem(422, "date_in_past");
    book(&app, &citizen, FOOD_WINDOW, FOOD, "2026-12-05", "10:00")
        .await
        .assert_problem(422, "not_a_working_day");
    let beyond = book(&app, &citizen, FOOD_WINDOW, FOOD, "2026-12-15", "10:00")
        .await
        .assert_problem(422, "beyond_booking_horizon");
    assert_eq!(beyond["lastBookableDate"], "2026-12-14");
    let today = created(&book(&app, &citizen, FOOD_WINDOW, FOOD, "2026-12-03", "10:00").await);

    // 09:31: the cancellation cut-off of the 10:00 slot (09:30) has passed.
    app.set_time(datetime!(2026-12-03 09:31 +08:00));
    let citizen = app.citizen_token(&user);
    let refused = app
        .call(Method::DELETE, &format!("/api/v1/appointments/{}", no_of(&today)), None, Some(&citizen))
        .await
        .assert_problem(409, "cancellation_closed");
    assert_eq!(refused["cancellableUntil"], "2026-12-03T09:30:00+08:00");
    assert_eq!(slot_booked(&app, FOOD_WINDOW, "2026-12-03", "10:00").await, 1);
}

// ---------------------------------------------------------------------------------------------
// Capacity under concurrency: a suite any backend runs
// ---------------------------------------------------------------------------------------------

/// 50 citizens book the last three places of one slot at the same moment: exactly three get
/// 201, the other 47 get 409 `slot_full`, and the slot's count equals its appointments.
pub async fn capacity_fifty_concurrent_bookings_fill_three_places_exactly(app: &TestApp) {
    set_capacity(app, HEALTH_WINDOW, 3).await;
    let tokens = citizens(app, 50).await;
    let requests = tokens
        .iter()
        .map(|token| {
            TestApp::request(
                Method::POST,
                "/api/v1/appointments",
                Some(booking(HEALTH_WINDOW, HYGIENE, "2026-12-04", "10:00")),
                Some(token),
            )
        })
        .collect();
    let answers = app.send_concurrently(requests).await;

    let won: Vec<&TestResponse> = answers.iter().filter(|r| r.status == 201).collect();
    let full = answers.iter().filter(|r| r.status == 409 && r.json()["code"] == "slot_full").count();
    let statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!((won.len(), full), (3, 47), "{statuses:?}");
    let numbers: std::collections::BTreeSet<String> = won.iter().map(|r| no_of(&r.json())).collect();
    assert_eq!(numbers.len(), 3, "three distinct appointments");
    let held = holders(app, HEALTH_WINDOW, "2026-12-04", "10:00").await;
    assert_eq!(held.iter().cloned().collect::<std::collections::BTreeSet<_>>(), numbers);
    assert_eq!(slot_booked(app, HEALTH_WINDOW, "2026-12-04", "10:00").await, 3);
    let listing = app.get(&format!("/api/v1/slots?window={HEALTH_WINDOW}&date=2026-12-04")).await.json();
    assert_eq!(slot_of(&listing, "2026-12-04", "10:00").unwrap()["remaining"], 0);
}

/// Cancellations, double cancellations and new bookings racing on one slot, then citizens who
/// book and cancel in a loop: the count always equals the appointments holding a place and
/// never exceeds the capacity.
pub async fn capacity_cancellations_and_rebookings_under_concurrency_keep_the_count_exact(app: &TestApp) {
    set_capacity(app, HEALTH_WINDOW, 3).await;
    let (date, start) = ("2026-12-07", "14:00");
    let first = citizens(app, 3).await;
    let mut numbers = Vec::new();
    for token in &first {
        numbers.push(no_of(&created(&book(app, token, HEALTH_WINDOW, HYGIENE, date, start).await)));
    }
    // Round 1: the three cancel (each twice at once) while 30 others try to book.
    let others = citizens(app, 30).await;
    let mut requests = Vec::new();
    for (token, no) in first.iter().zip(&numbers) {
        for _ in 0..2 {
            requests.push(TestApp::request(
                Method::DELETE,
                &format!("/api/v1/appointments/{no}"),
                None,
                Some(token),
            ));
        }
    }
    for token in &others {
        requests.push(TestApp::request(
            Method::POST,
            "/api/v1/appointments",
            Some(booking(HEALTH_WINDOW, HYGIENE, date, start)),
            Some(token),
        ));
    }
    let answers = app.send_concurrently(requests).await;
    for cancel in &answers[..6] {
        assert_eq!(cancel.status, 200, "{}", String::from_utf8_lossy(&cancel.bytes));
        assert_eq!(cancel.json()["status"], "cancelled");
    }
    let booked: Vec<String> =
        answers[6..].iter().filter(|r| r.status == 201).map(|r| no_of(&r.json())).collect();
    for refused in answers[6..].iter().filter(|r| r.status != 201) {
        refused.assert_problem(409, "slot_full");
    }
    assert!(booked.len() <= 3, "{} booked", booked.len());
    let held = holders(app, HEALTH_WINDOW, date, start).await;
    assert_eq!(held.len(), booked.len());
    assert_eq!(slot_booked(app, HEALTH_WINDOW, date, start).await as usize, held.len());

    // Round 2: ten citizens each book and cancel four times, all at once, on the same slot.
    let churners = citizens(app, 10).await;
    let mut tasks = tokio::task::JoinSet::new();
    for token in churners {
        let router = app.router.clone();
        tasks.spawn(async move {
            let mut kept = None;
            for _ in 0..4 {
                let r = wangban_tests::send(
                    &router,
                    TestApp::request(
                        Method::POST,
                        "/api/v1/appointments",
                        Some(booking(HEALTH_WINDOW, HYGIENE, date, start)),
                        Some(&token),
                    ),
                )
                .await;
                match r.status.as_u16() {
                    201 => {
                        let no = no_of(&r.json());
                        let c = wangban_tests::send(
                            &router,
                            TestApp::request(
                                Method::DELETE,
                                &format!("/api/v1/appointments/{no}"),
                                None,
                                Some(&token),
                            ),
                        )
                        .await;
                        assert_eq!(c.status, 200, "{}", String::from_utf8_lossy(&c.bytes));
                    }
                    409 => assert!(
                        ["slot_full", "concurrent_update"].contains(&r.json()["code"].as_str().unwrap())
                    ),
                    other => panic!("{other}: {}", String::from_utf8_lossy(&r.bytes)),
                }
            }
            // One last booking that is kept, if a place is free.
            let r = wangban_tests::send(
                &router,
                TestApp::request(
                    Method::POST,
                    "/api/v1/appointments",
                    Some(booking(HEALTH_WINDOW, HYGIENE, date, start)),
                    Some(&token),
                ),
            )
            .await;
            if r.status == 201 {
                kept = Some(no_of(&r.json()));
            }
            kept
        });
    }
    let mut kept = Vec::new();
    while let Some(done) = tasks.join_next().await {
        kept.extend(done.unwrap());
    }
    let held = holders(app, HEALTH_WINDOW, date, start).await;
    assert!(held.len() <= 3, "{} hold a place", held.len());
    assert_eq!(slot_booked(app, HEALTH_WINDOW, date, start).await as usize, held.len());
    for no in &kept {
        assert!(held.contains(no), "{no} was booked and is held");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn capacity_fifty_concurrent_bookings_fill_three_places_exactly_on_sqlite() {
    capacity_fifty_concurrent_bookings_fill_three_places_exactly(&TestApp::spawn().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn capacity_cancellations_and_rebookings_under_concurrency_keep_the_count_exact_on_sqlite() {
    capacity_cancellations_and_rebookings_under_concurrency_keep_the_count_exact(&TestApp::spawn().await)
        .await;
}

#[cfg(feature = "emulators")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn capacity_fifty_concurrent_bookings_fill_three_places_exactly_on_dynamodb() {
    capacity_fifty_concurrent_bookings_fill_three_places_exactly(&TestApp::spawn_cloud().await).await;
}

#[cfg(feature = "emulators")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn capacity_cancellations_and_rebookings_under_concurrency_keep_the_count_exact_on_dynamodb() {
    capacity_cancellations_and_rebookings_under_concurrency_keep_the_count_exact(
        &TestApp::spawn_cloud().await,
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// The window's day: list, check-in, no-shows
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn staff_see_the_days_list_check_citizens_in_and_mark_no_shows_after_the_slot() {
    let app = TestApp::spawn().await;
    let a = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let b = app.person_token(ids::PERSON_B, ids::PHONE_B).await;
    let a_no = no_of(&created(&book(&app, &a, FOOD_WINDOW, FOOD, "2026-12-04", "09:00").await));
    let b_no = no_of(&created(&book(&app, &b, FOOD_WINDOW, FOOD, "2026-12-04", "09:30").await));
    let clerk = app.staff_token("clerk-gy-amr").await;

    // The day's list: in time order, who is coming, numbers masked.
    let day =
        app.get_as(&format!("/api/v1/windows/{FOOD_WINDOW}/appointments?date=2026-12-04"), &clerk).await;
    assert_eq!(day.status, 200, "{}", String::from_utf8_lossy(&day.bytes));
    let day = day.json();
    let listed: Vec<&str> =
        day["items"].as_array().unwrap().iter().map(|x| x["appointmentNo"].as_str().unwrap()).collect();
    assert_eq!(listed, [a_no.as_str(), b_no.as_str()]);
    assert_eq!(day["items"][0]["applicantName"], "张三");
    assert_eq!(day["items"][0]["idNumberMasked"], "520***********123X");
    assert_eq!(day["counts"]["confirmed"], 2);
    app.get_as(
        &format!("/api/v1/windows/{FOOD_WINDOW}/appointments?date=2026-12-04"),
        &app.staff_token("clerk-gy-hc").await,
    )
    .await
    .assert_problem(403, "forbidden");
    app.get_as(&format!("/api/v1/windows/{FOOD_WINDOW}/appointments"), &a)
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        app.get_as(&format!("/api/v1/windows/{FOOD_WINDOW}/appointments"), &clerk).await.json()["date"],
        "2026-12-03",
        "today by default"
    );

    // Check-in only on the day; a no-show only once the slot has ended.
    app.post_as(&format!("/api/v1/appointments/{a_no}/check-in"), json!({}), &clerk)
        .await
        .assert_problem(409, "not_appointment_day");
    app.set_time(datetime!(2026-12-04 09:05 +08:00));
    let clerk = app.staff_token("clerk-gy-amr").await;
    let r = app.post_as(&format!("/api/v1/appointments/{a_no}/check-in"), json!({}), &clerk).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!(r.json()["status"], "checked_in");
    app.post_as(&format!("/api/v1/appointments/{a_no}/check-in"), json!({}), &clerk)
        .await
        .assert_problem(409, "invalid_transition");
    app.post_as(&format!("/api/v1/appointments/{b_no}/no-show"), json!({}), &clerk)
        .await
        .assert_problem(409, "slot_not_over");
    app.post_as(
        &format!("/api/v1/appointments/{b_no}/no-show"),
        json!({}),
        &app.staff_token("clerk-gy-hc").await,
    )
    .await
    .assert_problem(404, "appointment_not_found");
    app.post_as(&format!("/api/v1/appointments/{b_no}/no-show"), json!({}), &app.citizen_token("someone"))
        .await
        .assert_problem(403, "forbidden");
    app.set_time(datetime!(2026-12-04 10:00 +08:00));
    let clerk = app.staff_token("clerk-gy-amr").await;
    let r = app.post_as(&format!("/api/v1/appointments/{b_no}/no-show"), json!({}), &clerk).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!(r.json()["status"], "no_show");
    assert!(r.json().get("suspension").is_none(), "one no-show does not suspend");
    let b = app.login(ids::PERSON_B, ids::PASSWORD).await["accessToken"].as_str().unwrap().to_owned();
    assert!(inbox_titles(&app, &b).await.iter().any(|t| t.starts_with("预约未到记录")));
    // Both still hold their places: the count is of bookings, not of arrivals.
    assert_eq!(slot_booked(&app, FOOD_WINDOW, "2026-12-04", "09:00").await, 1);
    let day = app
        .get_as(&format!("/api/v1/windows/{FOOD_WINDOW}/appointments?date=2026-12-04"), &clerk)
        .await
        .json();
    assert_eq!((day["counts"]["checkedIn"].as_u64(), day["counts"]["noShow"].as_u64()), (Some(1), Some(1)));
}

#[tokio::test]
async fn three_no_shows_in_90_days_suspend_online_booking_for_30_days_and_the_citizen_is_told_why() {
    let app = TestApp::spawn().await;
    let citizen = app.person_token(ids::PERSON_A, ids::PHONE_A).await;
    let days = ["2026-12-04", "2026-12-07", "2026-12-08"];
    let mut numbers = Vec::new();
    for day in days {
        numbers.push(no_of(&created(&book(&app, &citizen, FOOD_WINDOW, FOOD, day, "09:00").await)));
    }
    // The citizen comes to none of them; after each slot the clerk marks the no-show.
    let mut last = Value::Null;
    for (day, no) in days.iter().zip(&numbers) {
        app.set_time(
            iso_date::parse(day)
                .unwrap()
                .with_hms(9, 45, 0)
                .unwrap()
                .assume_offset(time::macros::offset!(+8)),
        );
        let clerk = app.staff_token("clerk-gy-amr").await;
        let r = app.post_as(&format!("/api/v1/appointments/{no}/no-show"), json!({}), &clerk).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
        last = r.json();
    }
    // The third suspends online booking for 30 days from 12-08: through 2027-01-06.
    assert_eq!(last["suspension"]["suspendedUntil"], "2027-01-06", "{last}");
    assert_eq!(last["suspension"]["bookingResumesOn"], "2027-01-07");

    // WHEN the citizen tries to book THEN they are told why, and until when
    let citizen = app.login(ids::PERSON_A, ids::PASSWORD).await["accessToken"].as_str().unwrap().to_owned();
    let refused = book(&app, &citizen, FOOD_WINDOW, FOOD, "2026-12-09", "10:00")
        .await
        .assert_problem(403, "booking_suspended");
    assert_eq!(refused["suspendedUntil"], "2027-01-06");
    assert_eq!(refused["bookingResumesOn"], "2027-01-07");
    assert_eq!(refused["noShows"].as_array().unwrap().len(), 3);
    let detail = refused["detail"].as_str().unwrap();
    assert!(
        detail.contains("3 次") && detail.contains("2027-01-06") && detail.contains(&numbers[0]),
        "{detail}"
    );
    assert!(inbox_titles(&app, &citizen).await.contains(&"在线预约已暂停".to_owned()));

    // The last day of the suspension still refuses; the day after, booking works again.
    app.set_time(datetime!(2027-01-06 08:00 +08:00));
    let citizen = app.login(ids::PERSON_A, ids::PASSWORD).await["accessToken"].as_str().unwrap().to_owned();
    book(&app, &citizen, FOOD_WINDOW, FOOD, "2027-01-07", "10:00")
        .await
        .assert_problem(403, "booking_suspended");
    app.set_time(datetime!(2027-01-07 08:00 +08:00));
    let citizen = app.login(ids::PERSON_A, ids::PASSWORD).await["accessToken"].as_str().unwrap().to_owned();
    created(&book(&app, &citizen, FOOD_WINDOW, FOOD, "2027-01-07", "10:00").await);
}

// ---------------------------------------------------------------------------------------------
// The department's administrator: schedules and closures
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn closing_a_window_for_a_day_cancels_its_bookings_with_a_message_to_each_citizen() {
    let app = TestApp::spawn().await;
    set_capacity(&app, FOOD_WINDOW, 40).await;
    // 40 bookings in one slot (more than one transaction of 100 operations can cancel) and 5 in another.
    let tokens = citizens(&app, 45).await;
    for (i, token) in tokens.iter().enumerate() {
        let start = if i < 40 { "09:30" } else { "10:00" };
        created(&book(&app, token, FOOD_WINDOW, FOOD, "2026-12-04", start).await);
    }
    let path = format!("/api/v1/windows/{FOOD_WINDOW}/closures/2026-12-04");
    let reason = json!({"reason": "窗口设备检修"});
    // Only the department's administrator (or the platform's) may close it.
    for account in ["clerk-gy-amr", "admin-gy-hc"] {
        let token = app.staff_token(account).await;
        app.call(Method::PUT, &path, Some(reason.clone()), Some(&token))
            .await
            .assert_problem(403, "forbidden");
    }
    app.call(Method::PUT, &path, Some(reason.clone()), Some(&tokens[0]))
        .await
        .assert_problem(403, "forbidden");
    let admin = app.staff_token("admin-gy-amr").await;
    app.call(Method::PUT, &path, Some(json!({"reason": " "})), Some(&admin))
        .await
        .assert_problem(422, "invalid_reason");
    // Control, zero-width and bidirectional characters are refused like in every other text.
    for hidden in ["检修\u{0}", "检\u{200B}修", "\u{202E}修检", "检修\u{7}"] {
        let problem = app
            .call(Method::PUT, &path, Some(json!({"reason": hidden})), Some(&admin))
            .await
            .assert_problem(422, "invalid_character");
        assert_eq!(problem["errors"][0]["field"], "reason", "{problem}");
    }
    app.call(
        Method::PUT,
        &format!("/api/v1/windows/{FOOD_WINDOW}/closures/2026-12-02"),
        Some(reason.clone()),
        Some(&admin),
    )
    .await
    .assert_problem(422, "date_in_past");

    // WHEN the administrator closes the window for the day
    app.trips.reset();
    let r = app.call(Method::PUT, &path, Some(reason.clone()), Some(&admin)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!(r.json()["cancelled"], 45);
    // The closure's record, then 33 + 7 cancellations in the 09:30 slot and 5 in the 10:00 one:
    // three transactions, none above 100 operations.
    assert_eq!(app.trips.writes(), 4);

    // THEN every booking of the day is cancelled, the counts are zero, and each citizen is told why
    let day = repo::window_day(app.ctx.store.as_ref(), FOOD_WINDOW, d("2026-12-04")).await.unwrap();
    assert_eq!(day.len(), 45);
    assert!(day.iter().all(|a| a.value.status.as_str() == "cancelled"
        && a.value.cancel_reason.as_deref() == Some("窗口设备检修")));
    assert_eq!(slot_booked(&app, FOOD_WINDOW, "2026-12-04", "09:30").await, 0);
    assert_eq!(slot_booked(&app, FOOD_WINDOW, "2026-12-04", "10:00").await, 0);
    for token in [&tokens[0], &tokens[39], &tokens[44]] {
        let inbox = app.get_as("/api/v1/me/messages", token).await.json();
        let notice = inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["title"].as_str().unwrap().starts_with("预约取消通知"))
            .unwrap();
        assert!(notice["body"].as_str().unwrap().contains("窗口设备检修"), "{notice}");
        assert!(notice["appointmentNo"].is_string());
    }
    let mine = app.get_as("/api/v1/appointments", &tokens[3]).await.json();
    assert_eq!(mine["items"][0]["cancelledBy"], "window_closed");

    // The day takes no bookings, and says why; closing again changes nothing.
    book(&app, &tokens[0], FOOD_WINDOW, FOOD, "2026-12-04", "11:00")
        .await
        .assert_problem(409, "window_closed");
    let listing = app.get(&format!("/api/v1/slots?window={FOOD_WINDOW}&date=2026-12-04")).await.json();
    assert_eq!(
        (listing["items"].clone(), listing["days"][0]["code"].clone()),
        (json!([]), json!("window_closed"))
    );
    let again =
        app.call(Method::PUT, &path, Some(json!({"reason": "另一个原因"})), Some(&admin)).await.json();
    assert_eq!((again["cancelled"].as_u64(), again["reason"].as_str()), (Some(0), Some("窗口设备检修")));
    let clerk = app.staff_token("clerk-gy-amr").await;
    let listed = app
        .get_as(&format!("/api/v1/windows/{FOOD_WINDOW}/appointments?date=2026-12-04"), &clerk)
        .await
        .json();
    assert_eq!(listed["closed"]["reason"], "窗口设备检修");

    // Reopened, the day takes bookings again; the cancelled ones stay cancelled.
    let r = app.call(Method::DELETE, &path, None, Some(&admin)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    app.call(Method::DELETE, &path, None, Some(&admin)).await.assert_problem(404, "closure_not_found");
    created(&book(&app, &tokens[0], FOOD_WINDOW, FOOD, "2026-12-04", "11:00").await);
    // The platform's administrator may close any window.
    let platform = app.staff_token("admin").await;
    let r = app
        .call(
            Method::PUT,
            &format!("/api/v1/windows/{HEALTH_WINDOW}/closures/2026-12-07"),
            Some(reason),
            Some(&platform),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
}

#[tokio::test]
async fn a_department_administrator_changes_a_windows_schedule() {
    let app = TestApp::spawn().await;
    let path = format!("/api/v1/windows/{FOOD_WINDOW}/schedule");
    let schedule = json!({
        "sessions": [{"weekdays": ["monday", "wednesday", "friday"], "start": "09:00", "end": "11:00"}],
        "slotMinutes": 60,
        "capacity": 5,
        "bookingClosesMinutesBefore": 120
    });
    for account in ["clerk-gy-amr", "admin-gy-hc"] {
        let token = app.staff_token(account).await;
        app.call(Method::PUT, &path, Some(schedule.clone()), Some(&token))
            .await
            .assert_problem(403, "forbidden");
    }
    let admin = app.staff_token("admin-gy-amr").await;
    let broken = json!({"sessions": [{"weekdays": ["sunday"], "start": "12:00", "end": "11:00"}], "slotMinutes": 30, "capacity": 0});
    let problem = app
        .call(Method::PUT, &path, Some(broken), Some(&admin))
        .await
        .assert_problem(422, "invalid_schedule");
    assert!(problem["errors"].as_array().unwrap().len() >= 3, "{problem}");
    // The detail and each error are Chinese; the English sentences are only the hint.
    let zero = json!({"sessions": [{"weekdays": ["monday"], "start": "09:00", "end": "11:00"}], "slotMinutes": 0, "capacity": 5});
    let problem =
        app.call(Method::PUT, &path, Some(zero), Some(&admin)).await.assert_problem(422, "invalid_schedule");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("5 至 240 分钟") && !detail.contains("slotMinutes"), "{problem}");
    assert!(!problem["errors"][0]["message"].as_str().unwrap().contains("not within"), "{problem}");
    assert!(problem["hint"].as_str().unwrap().contains("slotMinutes 0 is not within 5..=240"), "{problem}");
    let unknown = json!({"sessions": [], "slotMinutes": 30, "capacity": 1, "colour": "red"});
    app.call(Method::PUT, &path, Some(unknown), Some(&admin)).await.assert_problem(422, "invalid_body");

    let r = app.call(Method::PUT, &path, Some(schedule), Some(&admin)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!(r.json()["schedule"]["capacity"], 5);
    // The public window list and the slots follow at once.
    let windows = app.get("/api/v1/windows").await.json();
    let window =
        windows["items"].as_array().unwrap().iter().find(|w| w["id"] == FOOD_WINDOW).unwrap().clone();
    assert_eq!(window["schedule"]["slotMinutes"], 60);
    let friday = app.get(&format!("/api/v1/slots?window={FOOD_WINDOW}&date=2026-12-04")).await.json();
    let starts: Vec<&str> =
        friday["items"].as_array().unwrap().iter().map(|s| s["start"].as_str().unwrap()).collect();
    assert_eq!(starts, ["09:00", "10:00"]);
    assert_eq!(friday["items"][0]["capacity"], 5);
    let tuesday = app.get(&format!("/api/v1/slots?window={FOOD_WINDOW}&date=2026-12-08")).await.json();
    assert_eq!(tuesday["items"], json!([]), "no Tuesday session any more");
}
