//! Glue's time-based schedules: `cron(minutes hours day-of-month month day-of-week year)`.

/// What a valid schedule looks like, for messages.
const SHAPE: &str = "a Glue schedule is `cron(minutes hours day-of-month month day-of-week year)` with `?` in day-of-month or day-of-week, e.g. `cron(15 12 * * ? *)`";

/// The six fields of a schedule, with their range and the names they accept.
const FIELDS: [Field; 6] = [
    Field {
        name: "minutes",
        min: 0,
        max: 59,
        names: &[],
    },
    Field {
        name: "hours",
        min: 0,
        max: 23,
        names: &[],
    },
    Field {
        name: "day-of-month",
        min: 1,
        max: 31,
        names: &[],
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
    },
    Field {
        name: "day-of-week",
        min: 1,
        max: 7,
        names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    },
    Field {
        name: "year",
        min: 1970,
        max: 2199,
        names: &[],
    },
];

const DAY_OF_MONTH: usize = 2;
const DAY_OF_WEEK: usize = 4;

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    /// Names for 1, 2, … (months, weekdays).
    names: &'static [&'static str],
}

impl Field {
    /// A single value: a number in range, or a name.
    fn value(&self, text: &str) -> Result<u32, String> {
        if let Some(index) = self
            .names
            .iter()
            .position(|name| name.eq_ignore_ascii_case(text))
        {
            return u32::try_from(index + 1).map_err(|_| self.out_of_range(text));
        }
        match text.parse::<u32>() {
            Ok(value) if (self.min..=self.max).contains(&value) => Ok(value),
            _ => Err(self.out_of_range(text)),
        }
    }

    fn out_of_range(&self, text: &str) -> String {
        let names = match self.names {
            [] => String::new(),
            [first, .., last] => format!(" or {first}-{last}"),
            [only] => format!(" or {only}"),
        };
        format!(
            "`{text}` is not a {} value ({}-{}{names})",
            self.name, self.min, self.max
        )
    }

    /// One comma-separated part of the field.
    fn part(&self, index: usize, part: &str) -> Result<(), String> {
        if part == "*" {
            return Ok(());
        }
        if index == DAY_OF_MONTH && matches!(part, "L" | "LW") {
            return Ok(());
        }
        if index == DAY_OF_MONTH
            && let Some(day) = part.strip_suffix('W')
        {
            return self.value(day).map(drop);
        }
        if index == DAY_OF_WEEK {
            if part == "L" {
                return Ok(());
            }
            if let Some(day) = part.strip_suffix('L') {
                return self.value(day).map(drop);
            }
            if let Some((day, nth)) = part.split_once('#') {
                self.value(day)?;
                return match nth.parse::<u32>() {
                    Ok(1..=5) => Ok(()),
                    _ => Err(format!(
                        "`{part}`: the week of the month after `#` is 1 to 5"
                    )),
                };
            }
        }
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (part, None),
        };
        if let Some(step) = step
            && !matches!(step.parse::<u32>(), Ok(step) if (1..=self.max).contains(&step))
        {
            return Err(format!(
                "`{part}`: the increment after `/` is a number from 1 to {}",
                self.max
            ));
        }
        if range == "*" && step.is_some() {
            return Ok(());
        }
        match range.split_once('-') {
            Some((from, to)) => {
                self.value(from)?;
                self.value(to)?;
                Ok(())
            }
            None => self.value(range).map(drop),
        }
    }
}

/// Checks a Glue schedule expression: the `cron(...)` shape, six fields, each field's
/// values and wildcards, and `?` in exactly one of day-of-month and day-of-week.
/// The error says what is wrong and what a valid schedule looks like.
pub fn check_schedule(expression: &str) -> Result<(), String> {
    let Some(inner) = expression
        .trim()
        .strip_prefix("cron(")
        .and_then(|rest| rest.strip_suffix(')'))
    else {
        return Err(format!("`{expression}` is not a cron expression; {SHAPE}"));
    };
    let fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() != FIELDS.len() {
        return Err(format!(
            "`{expression}` has {} fields, not {}; {SHAPE}",
            fields.len(),
            FIELDS.len()
        ));
    }
    for (index, (text, field)) in fields.iter().zip(&FIELDS).enumerate() {
        if *text == "?" {
            if index != DAY_OF_MONTH && index != DAY_OF_WEEK {
                return Err(format!(
                    "`{expression}`: `?` is only for day-of-month or day-of-week, not {}; {SHAPE}",
                    field.name
                ));
            }
            continue;
        }
        for part in text.split(',') {
            field
                .part(index, part)
                .map_err(|problem| format!("`{expression}`: {problem}; {SHAPE}"))?;
        }
    }
    match (fields[DAY_OF_MONTH] == "?", fields[DAY_OF_WEEK] == "?") {
        (true, false) | (false, true) => Ok(()),
        (true, true) => Err(format!(
            "`{expression}` has `?` in both day-of-month and day-of-week; give one of them a value (or `*`); {SHAPE}"
        )),
        (false, false) => Err(format!(
            "`{expression}` sets both day-of-month and day-of-week; write `?` in one of them; {SHAPE}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_schedules() {
        for good in [
            "cron(15 12 * * ? *)",
            "cron(0 2 ? * MON-FRI *)",
            "cron(0/15 * * * ? *)",
            "cron(0 8 1 JAN,JUL ? 2030-2035)",
            "cron(0 18 L * ? *)",
            "cron(0 9 ? * 6L *)",
            "cron(0 9 ? * 2#1 *)",
            "cron(30 1 15W * ? *)",
            "cron(0 */6 * * ? *)",
        ] {
            assert_eq!(check_schedule(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn invalid_schedules_say_what_is_wrong() {
        let cases = [
            ("rate(5 minutes)", "is not a cron expression"),
            ("cron(0 2 * * *)", "has 5 fields, not 6"),
            (
                "cron(0 2 * * * *)",
                "sets both day-of-month and day-of-week",
            ),
            ("cron(0 2 ? * ? *)", "`?` in both"),
            ("cron(61 2 * * ? *)", "`61` is not a minutes value (0-59)"),
            ("cron(0 24 * * ? *)", "`24` is not a hours value (0-23)"),
            (
                "cron(0 2 * FOO ? *)",
                "`FOO` is not a month value (1-12 or JAN-DEC)",
            ),
            (
                "cron(0 2 ? * 2#6 *)",
                "the week of the month after `#` is 1 to 5",
            ),
            ("cron(0/0 2 * * ? *)", "the increment after `/`"),
            (
                "cron(? 2 * * * *)",
                "`?` is only for day-of-month or day-of-week",
            ),
        ];
        for (expression, message) in cases {
            let error = check_schedule(expression).expect_err(expression);
            assert!(error.contains(message), "{expression}: {error}");
            assert!(error.contains("cron(15 12 * * ? *)"), "{error}");
        }
    }
}
