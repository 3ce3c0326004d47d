//! Local wall-clock time without a date-time crate: the time zone comes from `TZ` or
//! `/etc/localtime` (the compiled tz database files, "TZif", whose POSIX rule covers the years
//! after the file's last transition), falling back to UTC.

use std::time::{SystemTime, UNIX_EPOCH};

/// A moment as a wall clock and calendar show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalTime {
    /// Year.
    pub year: i64,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, 1 to 31.
    pub day: u32,
    /// Day of the week, 0 = Sunday.
    pub weekday: u32,
    /// Hour, 0 to 23.
    pub hour: u32,
    /// Minute.
    pub minute: u32,
    /// Second.
    pub second: u32,
    /// Nanoseconds into the second.
    pub nanos: u32,
    /// The zone's abbreviation (`CET`, `UTC` ...).
    pub zone: String,
}

/// A time zone: UTC offsets over time.
#[derive(Clone, Debug, PartialEq)]
pub struct Zone {
    /// Transition instants (Unix seconds), ascending, each with the index of the type from then on.
    transitions: Vec<(i64, usize)>,
    /// Local time types: offset east of UTC in seconds, abbreviation.
    types: Vec<(i32, String)>,
    /// The rule for after the last transition.
    rule: Option<Rule>,
}

/// A POSIX `TZ` rule such as `CET-1CEST,M3.5.0,M10.5.0/3`.
#[derive(Clone, Debug, PartialEq)]
struct Rule {
    /// Standard time: offset east of UTC in seconds, name.
    std: (i32, String),
    /// Daylight saving time, if the zone has it.
    dst: Option<Dst>,
}

/// Daylight saving time in a POSIX rule.
#[derive(Clone, Debug, PartialEq)]
struct Dst {
    /// Offset east of UTC in seconds, name.
    zone: (i32, String),
    /// The day it starts, and the time of day (seconds, standard time).
    start: (DateRule, i32),
    /// The day it ends, and the time of day (seconds, daylight time).
    end: (DateRule, i32),
}

/// A day of the year in a POSIX rule.
#[derive(Clone, Copy, Debug, PartialEq)]
enum DateRule {
    /// `Jn`: day 1 to 365, February 29 never counted.
    Julian(u32),
    /// `n`: day 0 to 365, February 29 counted.
    Zero(u32),
    /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (5 = last) of month `m`.
    Month(u32, u32, u32),
}

impl Zone {
    /// UTC, offset 0.
    pub fn utc() -> Self {
        Zone {
            transitions: Vec::new(),
            types: vec![(0, "UTC".into())],
            rule: None,
        }
    }

    /// The zone `TZ` names (a POSIX rule, or a file under /usr/share/zoneinfo), else
    /// `/etc/localtime`, else UTC.
    pub fn local() -> Self {
        let from_file = |path: &str| std::fs::read(path).ok().and_then(|b| Zone::from_tzif(&b));
        if let Ok(tz) = std::env::var("TZ") {
            let tz = tz.trim_start_matches(':');
            let file = if tz.starts_with('/') {
                tz.to_owned()
            } else {
                format!("/usr/share/zoneinfo/{tz}")
            };
            if let Some(z) = (!tz.is_empty() && !tz.contains(".."))
                .then(|| from_file(&file))
                .flatten()
            {
                return z;
            }
            if let Some(rule) = parse_rule(tz) {
                return Zone {
                    transitions: Vec::new(),
                    types: vec![rule.std.clone()],
                    rule: Some(rule),
                };
            }
        }
        from_file("/etc/localtime").unwrap_or_else(Zone::utc)
    }

    /// Parses a TZif file (versions 1 to 4).
    pub fn from_tzif(bytes: &[u8]) -> Option<Zone> {
        let header = |b: &[u8]| -> Option<[usize; 6]> {
            if b.get(..4)? != b"TZif" {
                return None;
            }
            let mut counts = [0usize; 6];
            for (i, c) in counts.iter_mut().enumerate() {
                let at = 20 + 4 * i;
                *c = u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize;
            }
            Some(counts)
        };
        let [isut, isstd, leap, time, typ, chars] = header(bytes)?;
        let v1_len = time * 5 + typ * 6 + chars + leap * 8 + isstd + isut;
        let (body, time_size, counts) = if *bytes.get(4)? >= b'2' {
            let second = bytes.get(44 + v1_len..)?;
            (second.get(44..)?, 8, header(second)?)
        } else {
            (bytes.get(44..)?, 4, [isut, isstd, leap, time, typ, chars])
        };
        let [isut, isstd, leap, time, typ, chars] = counts;
        let mut at = 0;
        let mut take = |n: usize| -> Option<&[u8]> {
            let s = body.get(at..at + n)?;
            at += n;
            Some(s)
        };
        let times = take(time * time_size)?;
        let indices = take(time)?;
        let infos = take(typ * 6)?;
        let names = take(chars)?;
        take(leap * (time_size + 4) + isstd + isut)?;
        let footer = body.get(at..).unwrap_or_default();
        let transitions = times
            .chunks_exact(time_size)
            .zip(indices)
            .map(|(t, &i)| {
                let t = if time_size == 8 {
                    i64::from_be_bytes(t.try_into().unwrap_or_default())
                } else {
                    i64::from(i32::from_be_bytes(t.try_into().unwrap_or_default()))
                };
                (t, usize::from(i))
            })
            .collect::<Vec<_>>();
        let types = infos
            .chunks_exact(6)
            .map(|info| {
                let offset = i32::from_be_bytes([info[0], info[1], info[2], info[3]]);
                let name = names.get(usize::from(info[5])..).unwrap_or_default();
                let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
                (offset, String::from_utf8_lossy(&name[..end]).into_owned())
            })
            .collect::<Vec<_>>();
        if types.is_empty() || transitions.iter().any(|(_, i)| *i >= types.len()) {
            return None;
        }
        let rule = std::str::from_utf8(footer)
            .ok()
            .and_then(|f| f.trim_matches('\n').lines().next())
            .and_then(parse_rule);
        Some(Zone {
            transitions,
            types,
            rule,
        })
    }

    /// The offset east of UTC (seconds) and zone abbreviation at Unix time `t`.
    pub fn offset_at(&self, t: i64) -> (i32, String) {
        let after_last = self.transitions.last().is_none_or(|(last, _)| t >= *last);
        if let (true, Some(rule)) = (after_last, &self.rule) {
            return rule.offset_at(t);
        }
        let i = match self.transitions.iter().rposition(|(start, _)| *start <= t) {
            Some(k) => self.transitions[k].1,
            None => 0,
        };
        self.types[i].clone()
    }

    /// The wall-clock time at `time`.
    pub fn at(&self, time: SystemTime) -> LocalTime {
        let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
        let t = since.as_secs() as i64;
        let (offset, zone) = self.offset_at(t);
        let local = t + i64::from(offset);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        LocalTime {
            year,
            month,
            day,
            weekday: (days + 4).rem_euclid(7) as u32,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
            nanos: since.subsec_nanos(),
            zone,
        }
    }
}

impl Rule {
    fn offset_at(&self, t: i64) -> (i32, String) {
        let Some(dst) = &self.dst else {
            return self.std.clone();
        };
        let std_off = self.std.0;
        let dst_off = dst.zone.0;
        let (year, _, _) = civil_from_days((t + i64::from(std_off)).div_euclid(86_400));
        // Start is given in standard time, end in daylight time.
        let begins = day_of(dst.start.0, year) * 86_400 + i64::from(dst.start.1) - i64::from(std_off);
        let ends = day_of(dst.end.0, year) * 86_400 + i64::from(dst.end.1) - i64::from(dst_off);
        let in_dst = if begins < ends {
            t >= begins && t < ends
        } else {
            // Southern hemisphere: daylight time spans the new year.
            t >= begins || t < ends
        };
        if in_dst {
            dst.zone.clone()
        } else {
            self.std.clone()
        }
    }
}

/// The day (days since 1970-01-01) a date rule falls on in `year`.
fn day_of(rule: DateRule, year: i64) -> i64 {
    let jan1 = days_from_civil(year, 1, 1);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match rule {
        DateRule::Julian(n) => {
            let n = i64::from(n.clamp(1, 365));
            jan1 + n - 1 + i64::from(leap && n > 59)
        }
        DateRule::Zero(n) => jan1 + i64::from(n.min(365)),
        DateRule::Month(m, w, d) => {
            let first = days_from_civil(year, m, 1);
            let first_weekday = (first + 4).rem_euclid(7);
            let mut day = (i64::from(d) - first_weekday).rem_euclid(7) + 7 * (i64::from(w.clamp(1, 5)) - 1);
            let next_month = if m == 12 {
                days_from_civil(year + 1, 1, 1)
            } else {
                days_from_civil(year, m + 1, 1)
            };
            while first + day >= next_month {
                day -= 7;
            }
            first + day
        }
    }
}

/// Parses a POSIX TZ rule: `std offset [dst [offset] [,start[/time],end[/time]]]`.
fn parse_rule(s: &str) -> Option<Rule> {
    let mut p = Parser {
        s: s.as_bytes(),
        at: 0,
    };
    let std_name = p.name()?;
    let std_off = -p.offset()?;
    if p.done() {
        return Some(Rule {
            std: (std_off, std_name),
            dst: None,
        });
    }
    let dst_name = p.name()?;
    let dst_off = if p.peek() == Some(b',') || p.done() {
        std_off + 3600
    } else {
        -p.offset()?
    };
    // A zone with daylight time but no rule: the US rules, as POSIX suggests.
    let (start, start_time, end, end_time) = if p.done() {
        (DateRule::Month(3, 2, 0), 7200, DateRule::Month(11, 1, 0), 7200)
    } else {
        p.eat(b',')?;
        let start = p.date()?;
        let start_time = if p.eat(b'/').is_some() { p.offset()? } else { 7200 };
        p.eat(b',')?;
        let end = p.date()?;
        let end_time = if p.eat(b'/').is_some() { p.offset()? } else { 7200 };
        (start, start_time, end, end_time)
    };
    p.done().then_some(Rule {
        std: (std_off, std_name),
        dst: Some(Dst {
            zone: (dst_off, dst_name),
            start: (start, start_time),
            end: (end, end_time),
        }),
    })
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }
    fn done(&self) -> bool {
        self.at >= self.s.len()
    }
    fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek() == Some(b)).then(|| self.at += 1)
    }
    fn number(&mut self) -> Option<u32> {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        std::str::from_utf8(&self.s[start..self.at]).ok()?.parse().ok()
    }
    /// `CET` or `<+03>`.
    fn name(&mut self) -> Option<String> {
        let start = self.at;
        if self.eat(b'<').is_some() {
            while self.peek().is_some_and(|b| b != b'>') {
                self.at += 1;
            }
            let name = String::from_utf8_lossy(&self.s[start + 1..self.at]).into_owned();
            self.eat(b'>')?;
            return Some(name);
        }
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.at += 1;
        }
        (self.at - start >= 3).then(|| String::from_utf8_lossy(&self.s[start..self.at]).into_owned())
    }
    /// `[+-]hh[:mm[:ss]]` in seconds.
    fn offset(&mut self) -> Option<i32> {
        let sign = if self.eat(b'-').is_some() {
            -1
        } else {
            self.eat(b'+');
            1
        };
        let mut secs = self.number()? as i32 * 3600;
        if self.eat(b':').is_some() {
            secs += self.number()? as i32 * 60;
            if self.eat(b':').is_some() {
                secs += self.number()? as i32;
            }
        }
        Some(sign * secs)
    }
    fn date(&mut self) -> Option<DateRule> {
        if self.eat(b'J').is_some() {
            return Some(DateRule::Julian(self.number()?));
        }
        if self.eat(b'M').is_some() {
            let m = self.number()?;
            self.eat(b'.')?;
            let w = self.number()?;
            self.eat(b'.')?;
            let d = self.number()?;
            return ((1..=12).contains(&m) && d <= 6).then_some(DateRule::Month(m, w, d));
        }
        Some(DateRule::Zero(self.number()?))
    }
}

/// Days since 1970-01-01 of a date (proleptic Gregorian; Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The local time now.
pub fn now() -> LocalTime {
    Zone::local().at(SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(rule: &str) -> Zone {
        let rule = parse_rule(rule).expect("rule parses");
        Zone {
            transitions: Vec::new(),
            types: vec![rule.std.clone()],
            rule: Some(rule),
        }
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2024, 7, 1), 19_905);
        assert_eq!(civil_from_days(19_905), (2024, 7, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn posix_rules() {
        let berlin = zone("CET-1CEST,M3.5.0,M10.5.0/3");
        assert_eq!(berlin.offset_at(1_719_792_000), (7200, "CEST".into())); // 2024-07-01
        assert_eq!(berlin.offset_at(1_705_276_800), (3600, "CET".into())); // 2024-01-15
                                                                           // 2024-03-31 01:00 UTC: clocks go from 02:00 CET to 03:00 CEST.
        assert_eq!(berlin.offset_at(1_711_846_800 - 1).0, 3600);
        assert_eq!(berlin.offset_at(1_711_846_800).0, 7200);
        let new_york = zone("EST5EDT,M3.2.0,M11.1.0");
        assert_eq!(new_york.offset_at(1_719_792_000).0, -4 * 3600);
        let sydney = zone("AEST-10AEDT,M10.1.0,M4.1.0/3");
        assert_eq!(sydney.offset_at(1_705_276_800).0, 11 * 3600);
        assert_eq!(sydney.offset_at(1_719_792_000).0, 10 * 3600);
        assert_eq!(zone("<+0530>-5:30").offset_at(0).0, 19_800);
    }

    #[test]
    fn tzif_files_when_present() {
        // The system's database, if the machine has one: Berlin in July is CEST either way.
        if let Some(z) = std::fs::read("/usr/share/zoneinfo/Europe/Berlin")
            .ok()
            .and_then(|b| Zone::from_tzif(&b))
        {
            assert_eq!(z.offset_at(1_719_792_000).0, 7200);
            assert_eq!(z.offset_at(4_102_444_800 + 180 * 86_400).0, 7200); // July 2100: the rule
        }
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_719_792_000 + 3723);
        let l = Zone::utc().at(t);
        assert_eq!(
            (l.year, l.month, l.day, l.hour, l.minute, l.second, l.weekday),
            (2024, 7, 1, 1, 2, 3, 1)
        );
    }
}
