//! The calculator's arithmetic (the `calculator` demo draws it): typing keys into an
//! expression, and evaluating it.
//!
//! Arithmetic follows the usual operator precedence: `*` and `/` bind tighter than `+` and `-`,
//! and equal operators go left to right. A `-` at the start or after another operator negates
//! the next number. Numbers are `f64`, shown with up to 12 significant digits. Dividing by zero
//! is an error; the next key starts afresh. After a result, a digit starts a new calculation and
//! an operator carries on from the result.

/// A calculator's state: what has been typed, and the last finished calculation.
#[derive(Debug, Default)]
pub struct Calc {
    /// The expression being typed, with ASCII operators (`12*3`).
    expr: String,
    /// The finished calculation, for showing small above the entry (`12 × 3 =`).
    pub history: String,
    /// The error of the last calculation, shown instead of the entry.
    pub error: Option<String>,
    /// Whether `expr` holds the result of `=` (a digit then starts over).
    is_result: bool,
}

impl Calc {
    /// Applies one key: a digit, `.`, an operator, `=`, `B` (back) or `C` (clear).
    pub fn press(&mut self, key: char) {
        if self.error.is_some() {
            // After an error, any key starts afresh (and the key still counts).
            *self = Calc::default();
            if matches!(key, 'C' | 'B' | '=') {
                return;
            }
        }
        match key {
            'C' => *self = Calc::default(),
            'B' => {
                if self.is_result {
                    *self = Calc::default();
                } else {
                    self.expr.pop();
                }
            }
            '0'..='9' | '.' => {
                if self.is_result {
                    *self = Calc::default();
                }
                let number = self.expr.rsplit(is_operator).next().unwrap_or("").to_owned();
                if key == '.' && number.contains('.') {
                    return;
                }
                if key == '.' && number.is_empty() {
                    self.expr.push('0');
                }
                // No leading zeros: "07" is "7".
                if number == "0" && key != '.' {
                    self.expr.pop();
                }
                self.expr.push(key);
            }
            '+' | '-' | '*' | '/' => {
                self.is_result = false;
                let last = self.expr.chars().last();
                match last {
                    // Nothing yet: only a minus sign makes sense.
                    None => {
                        if key == '-' {
                            self.expr.push('-');
                        }
                    }
                    // A minus after `*` or `/` negates the next number.
                    Some('*' | '/') if key == '-' => self.expr.push('-'),
                    // Another operator replaces the one typed last (and a sign before it).
                    Some(c) if is_operator(c) => {
                        while self.expr.chars().last().is_some_and(is_operator) {
                            self.expr.pop();
                        }
                        if !self.expr.is_empty() {
                            self.expr.push(key);
                        } else if key == '-' {
                            self.expr.push('-');
                        }
                    }
                    Some(_) => self.expr.push(key),
                }
            }
            '=' => {
                if self.expr.is_empty() || self.is_result {
                    return;
                }
                let expr = self.expr.trim_end_matches(is_operator).to_owned();
                self.history = format!("{} =", pretty(&expr));
                match evaluate(&expr) {
                    Ok(v) => {
                        self.expr = format_number(v);
                        self.is_result = true;
                    }
                    Err(e) => {
                        self.expr.clear();
                        self.error = Some(e);
                    }
                }
            }
            _ => {}
        }
    }

    /// The main line: the expression as typed, prettily, or 0.
    pub fn entry(&self) -> String {
        if self.expr.is_empty() {
            "0".into()
        } else {
            pretty(&self.expr)
        }
    }
}

fn is_operator(c: char) -> bool {
    matches!(c, '+' | '-' | '*' | '/')
}

/// `12*-3+4` as `12 × −3 + 4`: typographic operators, spaces around binary ones.
fn pretty(expr: &str) -> String {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in expr.chars() {
        let unary = c == '-' && prev.is_none_or(is_operator);
        match c {
            '-' if unary => out.push('−'),
            '+' | '-' | '*' | '/' => {
                out.push(' ');
                out.push(match c {
                    '+' => '+',
                    '-' => '−',
                    '*' => '×',
                    _ => '÷',
                });
                out.push(' ');
            }
            _ => out.push(c),
        }
        prev = Some(c);
    }
    out
}

/// Evaluates `expr` (numbers, `+ - * /`, unary minus) with the usual precedence.
pub fn evaluate(expr: &str) -> Result<f64, String> {
    // Tokens: numbers (with their signs folded in) and operators.
    let mut numbers: Vec<f64> = Vec::new();
    let mut ops: Vec<char> = Vec::new();
    let mut chars = expr.chars().peekable();
    while chars.peek().is_some() {
        let mut negative = false;
        while chars.peek() == Some(&'-') {
            chars.next();
            negative = !negative;
        }
        let mut digits = String::new();
        while let Some(&c) = chars.peek().filter(|c| c.is_ascii_digit() || **c == '.') {
            digits.push(c);
            chars.next();
        }
        let n: f64 = digits
            .parse()
            .map_err(|_| format!("`{expr}` is not a calculation"))?;
        numbers.push(if negative { -n } else { n });
        match chars.next() {
            Some(op) if is_operator(op) => ops.push(op),
            Some(c) => return Err(format!("unexpected `{c}`")),
            None => {}
        }
    }
    if numbers.len() != ops.len() + 1 {
        return Err("incomplete calculation".into());
    }
    // First `*` and `/`, left to right, folding each into a sum of terms; then add the terms.
    let mut terms: Vec<f64> = vec![numbers[0]];
    for (op, &n) in ops.iter().zip(&numbers[1..]) {
        let last = terms.last_mut().ok_or("empty calculation")?;
        match op {
            '*' => *last *= n,
            '/' if n == 0.0 => return Err("Cannot divide by zero".into()),
            '/' => *last /= n,
            '+' => terms.push(n),
            _ => terms.push(-n),
        }
    }
    let sum: f64 = terms.iter().sum();
    if sum.is_finite() {
        Ok(sum)
    } else {
        Err("Overflow".into())
    }
}

/// A result as the display shows it: up to 12 significant digits, no trailing zeros, scientific
/// notation when very large or small.
pub fn format_number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-9..15).contains(&magnitude) {
        let s = format!("{v:.8e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exponent}");
    }
    let decimals = (11 - magnitude).max(0) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if s == "-0" {
        "0".into()
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(keys: &str) -> Calc {
        let mut c = Calc::default();
        for k in keys.chars() {
            c.press(k);
        }
        c
    }

    #[test]
    fn precedence_and_results() {
        assert_eq!(typed("12*3=").entry(), "36");
        assert_eq!(typed("2+3*4=").entry(), "14");
        assert_eq!(typed("8/4/2=").entry(), "1");
        assert_eq!(typed("10-2-3=").entry(), "5");
        assert_eq!(typed("0.1+0.2=").entry(), "0.3");
        assert_eq!(typed("1/3=").entry(), "0.333333333333");
        assert_eq!(typed("-5*-2=").entry(), "10");
        assert_eq!(typed("7*=").entry(), "7");
        assert_eq!(typed("99999999*99999999=").entry(), "9.9999998e15");
        assert_eq!(typed("12*3=").history, "12 × 3 =");
    }

    #[test]
    fn editing() {
        assert_eq!(typed("12*3=+4=").entry(), "40");
        assert_eq!(typed("12*3=5").entry(), "5");
        assert_eq!(typed("1+*2").entry(), "1 × 2");
        assert_eq!(typed("007").entry(), "7");
        assert_eq!(typed("1..5").entry(), "1.5");
        assert_eq!(typed(".5").entry(), "0.5");
        assert_eq!(typed("123B").entry(), "12");
        assert_eq!(typed("123C").entry(), "0");
    }

    #[test]
    fn division_by_zero_is_an_error_until_the_next_key() {
        let mut c = typed("7/0=");
        assert_eq!(c.error.as_deref(), Some("Cannot divide by zero"));
        assert_eq!(c.history, "7 ÷ 0 =");
        c.press('4');
        assert_eq!((c.error.as_deref(), c.entry()), (None, "4".to_owned()));
    }
}
