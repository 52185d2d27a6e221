//! When email and push may go out: quiet hours (a daily window in the person's timezone,
//! possibly across midnight, during which they wait) and the email digest's periods. Both
//! are computed in the person's timezone, so a DST change moves them with the clock on the
//! wall, as a person expects.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike, Utc,
};
use chrono_tz::Tz;

use super::events::Digest;

/// The local time `minutes` after midnight on `date`, as a UTC instant. A time skipped by a
/// DST change (02:30 on a spring-forward night) is taken as the first instant after the
/// gap; a time that happens twice (fall back) as its first occurrence.
fn at_local(tz: Tz, date: NaiveDate, minutes: i32) -> DateTime<Utc> {
    let time = NaiveTime::from_num_seconds_from_midnight_opt(
        (minutes.clamp(0, 24 * 60 - 1) * 60) as u32,
        0,
    )
    .unwrap_or(NaiveTime::MIN);
    let mut local = NaiveDateTime::new(date, time);
    for _ in 0..4 {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(at) => return at.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
            // In a gap: step forward until the clock exists again.
            LocalResult::None => local += Duration::minutes(30),
        }
    }
    Utc.from_utc_datetime(&local)
}

/// If `now` falls in the quiet hours `start..end` (minutes after local midnight), when
/// they end; `None` outside them. `start == end` means no quiet hours.
pub fn quiet_until(now: DateTime<Utc>, tz: Tz, start: i32, end: i32) -> Option<DateTime<Utc>> {
    if start == end {
        return None;
    }
    let today = now.with_timezone(&tz).date_naive();
    // The window that started yesterday (across midnight) or today may contain `now`.
    for day in [today.pred_opt()?, today] {
        let begins = at_local(tz, day, start);
        let ends_on = if end > start { day } else { day.succ_opt()? };
        let ends = at_local(tz, ends_on, end);
        if begins <= now && now < ends {
            return Some(ends);
        }
    }
    None
}

/// The end of the digest period containing `at`: the next full hour, the next 08:00, or the
/// next Monday 08:00, local time.
pub fn digest_period_end(at: DateTime<Utc>, tz: Tz, digest: Digest) -> Option<DateTime<Utc>> {
    let local = at.with_timezone(&tz);
    let date = local.date_naive();
    const MORNING: i32 = 8 * 60;
    match digest {
        Digest::Off => None,
        Digest::Hourly => {
            let next_hour = (local.hour() as i32 + 1) * 60;
            if next_hour >= 24 * 60 {
                Some(at_local(tz, date.succ_opt()?, 0))
            } else {
                Some(at_local(tz, date, next_hour))
            }
        }
        Digest::Daily => {
            let today = at_local(tz, date, MORNING);
            if at < today { Some(today) } else { Some(at_local(tz, date.succ_opt()?, MORNING)) }
        }
        Digest::Weekly => {
            let days_to_monday = i64::from((7 - date.weekday().num_days_from_monday()) % 7);
            let monday = date + Duration::days(days_to_monday);
            let candidate = at_local(tz, monday, MORNING);
            if at < candidate {
                Some(candidate)
            } else {
                Some(at_local(tz, monday + Duration::days(7), MORNING))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ny() -> Tz {
        "America/New_York".parse().unwrap()
    }

    fn local(tz: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        tz.with_ymd_and_hms(y, m, d, h, min, 0).earliest().unwrap().with_timezone(&Utc)
    }

    #[test]
    fn quiet_hours_across_midnight() {
        let tz = ny();
        let (start, end) = (20 * 60, 7 * 60);
        assert_eq!(quiet_until(local(tz, 2026, 6, 10, 19, 59), tz, start, end), None);
        assert_eq!(
            quiet_until(local(tz, 2026, 6, 10, 20, 0), tz, start, end),
            Some(local(tz, 2026, 6, 11, 7, 0))
        );
        assert_eq!(
            quiet_until(local(tz, 2026, 6, 10, 23, 30), tz, start, end),
            Some(local(tz, 2026, 6, 11, 7, 0))
        );
        assert_eq!(
            quiet_until(local(tz, 2026, 6, 11, 3, 0), tz, start, end),
            Some(local(tz, 2026, 6, 11, 7, 0))
        );
        assert_eq!(quiet_until(local(tz, 2026, 6, 11, 7, 0), tz, start, end), None);
        // A window inside one day.
        assert_eq!(
            quiet_until(local(tz, 2026, 6, 11, 12, 30), tz, 12 * 60, 13 * 60),
            Some(local(tz, 2026, 6, 11, 13, 0))
        );
        assert_eq!(
            quiet_until(local(tz, 2026, 6, 11, 12, 30), tz, 9 * 60, 9 * 60),
            None,
            "start = end: no quiet hours"
        );
    }

    #[test]
    fn quiet_hours_follow_the_wall_clock_across_dst_changes() {
        let tz = ny();
        // Spring forward (8 March 2026): the night is an hour shorter, the window still ends
        // at 07:00 local, which is 11:00 UTC instead of 12:00.
        let night = local(tz, 2026, 3, 7, 23, 0);
        let ends = quiet_until(night, tz, 22 * 60, 7 * 60).unwrap();
        assert_eq!(ends, local(tz, 2026, 3, 8, 7, 0));
        assert_eq!(ends.format("%H:%M").to_string(), "11:00");
        // Fall back (1 November 2026): an hour longer; 07:00 local is 12:00 UTC.
        let ends = quiet_until(local(tz, 2026, 10, 31, 23, 0), tz, 22 * 60, 7 * 60).unwrap();
        assert_eq!(ends.format("%H:%M").to_string(), "12:00");
        // A window starting in the skipped hour (02:30 does not exist that night) still works.
        let during = Utc.with_ymd_and_hms(2026, 3, 8, 7, 30, 0).unwrap(); // 03:30 EDT
        assert_eq!(quiet_until(during, tz, 2 * 60 + 30, 5 * 60), Some(local(tz, 2026, 3, 8, 5, 0)));
    }

    #[test]
    fn digest_periods_end_on_the_local_boundary() {
        let tz = ny();
        let at = local(tz, 2026, 6, 10, 14, 20); // a Wednesday
        assert_eq!(digest_period_end(at, tz, Digest::Off), None);
        assert_eq!(digest_period_end(at, tz, Digest::Hourly), Some(local(tz, 2026, 6, 10, 15, 0)));
        assert_eq!(
            digest_period_end(local(tz, 2026, 6, 10, 23, 10), tz, Digest::Hourly),
            Some(local(tz, 2026, 6, 11, 0, 0))
        );
        assert_eq!(digest_period_end(at, tz, Digest::Daily), Some(local(tz, 2026, 6, 11, 8, 0)));
        assert_eq!(
            digest_period_end(local(tz, 2026, 6, 10, 7, 59), tz, Digest::Daily),
            Some(local(tz, 2026, 6, 10, 8, 0))
        );
        assert_eq!(digest_period_end(at, tz, Digest::Weekly), Some(local(tz, 2026, 6, 15, 8, 0)));
        assert_eq!(
            digest_period_end(local(tz, 2026, 6, 15, 7, 0), tz, Digest::Weekly),
            Some(local(tz, 2026, 6, 15, 8, 0))
        );
        assert_eq!(
            digest_period_end(local(tz, 2026, 6, 15, 8, 0), tz, Digest::Weekly),
            Some(local(tz, 2026, 6, 22, 8, 0))
        );
        // Across the fall-back night, a daily digest still comes at 08:00 local.
        assert_eq!(
            digest_period_end(local(tz, 2026, 10, 31, 12, 0), tz, Digest::Daily),
            Some(local(tz, 2026, 11, 1, 8, 0))
        );
    }
}
