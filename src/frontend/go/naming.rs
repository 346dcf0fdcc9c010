//! GORM's default `NamingStrategy`: table name = `inflection.Plural(toDBName(Struct))`.
//!
//! Rules from gorm.io/gorm `schema/naming.go` (`TableName`, `JoinTableName`,
//! `toDBName` with its common-initialisms replacer) and github.com/jinzhu/inflection
//! `inflections.go` (uncountables, irregulars, then the plural rules tried last-added
//! first). Documented at <https://gorm.io/docs/conventions.html#Pluralized-Table-Name>.
//! Implemented by hand, rule for rule, so the crate needs no regex engine.

/// The table GORM's default naming strategy gives a struct: `OrderItem` → `order_items`.
pub fn gorm_table_name(struct_name: &str) -> String {
    plural(&to_db_name(struct_name))
}

/// The join table of `gorm:"many2many:<name>"`: kept as written when already lower
/// case, otherwise named like a table (`JoinTableName`).
pub fn gorm_join_table_name(name: &str) -> String {
    if name.to_lowercase() == name {
        name.to_owned()
    } else {
        plural(&to_db_name(name))
    }
}

/// golint's common initialisms, in GORM's order: `strings.NewReplacer` tries them in
/// argument order at each position, so `HTTPS` becomes `Http` + `S`.
const COMMON_INITIALISMS: &[&str] = &[
    "API", "ASCII", "CPU", "CSS", "DNS", "EOF", "GUID", "HTML", "HTTP", "HTTPS", "ID", "IP",
    "JSON", "LHS", "QPS", "RAM", "RHS", "RPC", "SLA", "SMTP", "SSH", "TLS", "TTL", "UID", "UI",
    "UUID", "URI", "URL", "UTF8", "VM", "XML", "XSRF", "XSS",
];

/// GORM's `toDBName`: initialisms to title case, then snake_case.
pub fn to_db_name(name: &str) -> String {
    if name.is_empty() {
        return String::new();
    }
    // The common-initialisms replacer.
    let mut value: Vec<u8> = Vec::with_capacity(name.len());
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(init) = COMMON_INITIALISMS
            .iter()
            .find(|init| bytes[i..].starts_with(init.as_bytes()))
        {
            value.push(init.as_bytes()[0]);
            value.extend(init.as_bytes()[1..].iter().map(u8::to_ascii_lowercase));
            i += init.len();
        } else {
            value.push(bytes[i]);
            i += 1;
        }
    }
    let upper = |b: u8| b.is_ascii_uppercase();
    let mut out: Vec<u8> = Vec::with_capacity(value.len() + 4);
    let mut last_case = false;
    let mut cur_case = upper(value[0]);
    let n = value.len();
    for i in 0..n - 1 {
        let v = value[i];
        let next_case = upper(value[i + 1]);
        let next_number = value[i + 1].is_ascii_digit();
        if cur_case {
            if last_case && (next_case || next_number) {
                out.push(v.to_ascii_lowercase());
            } else {
                if i > 0 && value[i - 1] != b'_' && value[i + 1] != b'_' {
                    out.push(b'_');
                }
                out.push(v.to_ascii_lowercase());
            }
        } else {
            out.push(v);
        }
        last_case = cur_case;
        cur_case = next_case;
    }
    if cur_case {
        if !last_case && n > 1 {
            out.push(b'_');
        }
        out.push(value[n - 1].to_ascii_lowercase());
    } else {
        out.push(value[n - 1]);
    }
    String::from_utf8(out).unwrap_or_else(|_| name.to_lowercase())
}

/// jinzhu/inflection's uncountables: matched against the whole word only.
const UNCOUNTABLE: &[&str] = &[
    "equipment",
    "information",
    "rice",
    "money",
    "species",
    "series",
    "fish",
    "sheep",
    "jeans",
    "police",
];

/// jinzhu/inflection's irregulars: matched as a suffix (`salesperson` → `salespeople`,
/// and, faithfully, `human` → `humen`).
const IRREGULAR: &[(&str, &str)] = &[
    ("person", "people"),
    ("man", "men"),
    ("child", "children"),
    ("sex", "sexes"),
    ("move", "moves"),
    ("mombie", "mombies"),
];

/// `inflection.Plural` for a lower-case snake_case word (what `toDBName` returns).
pub fn plural(word: &str) -> String {
    if word.is_empty() {
        return String::new();
    }
    let lower = word.to_lowercase();
    if UNCOUNTABLE.contains(&lower.as_str()) {
        return word.to_owned();
    }
    for (singular, plural) in IRREGULAR {
        if let Some(stem) = word.strip_suffix(singular) {
            return format!("{stem}{plural}");
        }
    }
    plural_rule(word).unwrap_or_else(|| word.to_owned())
}

/// The plural rules of inflections.go, tried from the last to the first as `compile()`
/// orders them; the first that matches wins.
fn plural_rule(w: &str) -> Option<String> {
    // (quiz)$ → quizzes
    if let Some(stem) = w.strip_suffix("quiz") {
        return Some(format!("{stem}quizzes"));
    }
    // ^(oxen)$ → oxen ; ^(ox)$ → oxen
    if w == "oxen" || w == "ox" {
        return Some("oxen".to_owned());
    }
    // ^(m|l)ice$ → (m|l)ice ; ^(m|l)ouse$ → (m|l)ice
    if matches!(w, "mice" | "lice") {
        return Some(w.to_owned());
    }
    if matches!(w, "mouse" | "louse") {
        return Some(format!("{}ice", &w[..1]));
    }
    // (matr|vert|ind)(?:ix|ex)$ → ${1}ices
    for stem in ["matr", "vert", "ind"] {
        for end in ["ix", "ex"] {
            if let Some(before) = w.strip_suffix(&format!("{stem}{end}") as &str) {
                return Some(format!("{before}{stem}ices"));
            }
        }
    }
    // (x|ch|ss|sh)$ → ${1}es
    if ["x", "ch", "ss", "sh"].iter().any(|s| w.ends_with(s)) {
        return Some(format!("{w}es"));
    }
    // ([^aeiouy]|qu)y$ → ${1}ies
    if let Some(stem) = w.strip_suffix('y') {
        let prev = stem.chars().last();
        if stem.ends_with("qu") || prev.is_some_and(|c| !"aeiouy".contains(c)) {
            return Some(format!("{stem}ies"));
        }
    }
    // (hive)$ → hives
    if w.ends_with("hive") {
        return Some(format!("{w}s"));
    }
    // (?:([^f])fe|([lr])f)$ → ${1}${2}ves
    if let Some(stem) = w.strip_suffix("fe")
        && stem.chars().last().is_some_and(|c| c != 'f')
    {
        return Some(format!("{stem}ves"));
    }
    if let Some(stem) = w.strip_suffix('f')
        && stem.chars().last().is_some_and(|c| c == 'l' || c == 'r')
    {
        return Some(format!("{stem}ves"));
    }
    // sis$ → ses
    if let Some(stem) = w.strip_suffix("sis") {
        return Some(format!("{stem}ses"));
    }
    // ([ti])a$ → ${1}a
    if w.ends_with("ta") || w.ends_with("ia") {
        return Some(w.to_owned());
    }
    // ([ti])um$ → ${1}a
    if let Some(stem) = w.strip_suffix("um")
        && (stem.ends_with('t') || stem.ends_with('i'))
    {
        return Some(format!("{stem}a"));
    }
    // (buffal|tomat)o$ → ${1}oes
    if w.ends_with("buffalo") || w.ends_with("tomato") {
        return Some(format!("{w}es"));
    }
    // (bu)s$ → ${1}ses
    if w.ends_with("bus") {
        return Some(format!("{w}es"));
    }
    // (alias|status)$ → ${1}es
    if w.ends_with("alias") || w.ends_with("status") {
        return Some(format!("{w}es"));
    }
    // (octop|vir)i$ → ${1}i ; (octop|vir)us$ → ${1}i
    if w.ends_with("octopi") || w.ends_with("viri") {
        return Some(w.to_owned());
    }
    for stem in ["octop", "vir"] {
        if let Some(before) = w.strip_suffix(&format!("{stem}us") as &str) {
            return Some(format!("{before}{stem}i"));
        }
    }
    // ^(ax|test)is$ → ${1}es
    if w == "axis" || w == "testis" {
        return Some(format!("{}es", &w[..w.len() - 2]));
    }
    // s$ → s
    if w.ends_with('s') {
        return Some(w.to_owned());
    }
    // ([a-z])$ → ${1}s (case-insensitive variant included: any ASCII letter)
    if w.as_bytes().last().is_some_and(u8::is_ascii_alphabetic) {
        return Some(format!("{w}s"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_follows_gorm_to_db_name() {
        assert_eq!(to_db_name("User"), "user");
        assert_eq!(to_db_name("OrderItem"), "order_item");
        assert_eq!(to_db_name("UserID"), "user_id");
        assert_eq!(to_db_name("HTTPServer"), "http_server");
        assert_eq!(to_db_name("APIKey"), "api_key");
        assert_eq!(to_db_name("OAuth2Token"), "o_auth2_token");
        assert_eq!(to_db_name("Sku"), "sku");
        assert_eq!(to_db_name("ABC"), "abc");
    }

    #[test]
    fn plural_follows_jinzhu_inflection() {
        for (s, p) in [
            ("user", "users"),
            ("category", "categories"),
            ("person", "people"),
            ("sales_person", "sales_people"),
            ("order_item", "order_items"),
            ("address", "addresses"),
            ("box", "boxes"),
            ("church", "churches"),
            ("day", "days"),
            ("status", "statuses"),
            ("bus", "buses"),
            ("knife", "knives"),
            ("wolf", "wolves"),
            ("analysis", "analyses"),
            ("medium", "media"),
            ("datum", "data"),
            ("tomato", "tomatoes"),
            ("octopus", "octopi"),
            ("matrix", "matrices"),
            ("index", "indices"),
            ("mouse", "mice"),
            ("ox", "oxen"),
            ("quiz", "quizzes"),
            ("child", "children"),
            ("woman", "women"),
            ("equipment", "equipment"),
            ("fish", "fish"),
            ("news", "news"),
            ("axis", "axes"),
            ("hive", "hives"),
            ("item2", "item2"),
        ] {
            assert_eq!(plural(s), p, "plural({s})");
        }
        // Uncountables match the whole word only.
        assert_eq!(plural("user_equipment"), "user_equipments");
    }

    #[test]
    fn table_and_join_table_names() {
        assert_eq!(gorm_table_name("User"), "users");
        assert_eq!(gorm_table_name("Category"), "categories");
        assert_eq!(gorm_table_name("Person"), "people");
        assert_eq!(gorm_table_name("OrderItem"), "order_items");
        assert_eq!(gorm_table_name("Address"), "addresses");
        assert_eq!(gorm_table_name("CreditCard"), "credit_cards");
        assert_eq!(gorm_join_table_name("user_languages"), "user_languages");
        assert_eq!(gorm_join_table_name("UserLanguage"), "user_languages");
    }
}
