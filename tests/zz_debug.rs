mod common;
use common::*;
#[test]
fn dbg() {
    let good = sign_default(&sample_default());
    let len = good.len();
    let mut n = 0;
    for pos in 0..len {
        if good[pos] == b'0' { continue; }
        let mut bad = good.clone();
        bad[pos] = b'0';
        let r = verify(&bad);
        if r.valid {
            n += 1;
            if n < 10 { eprintln!("pos {pos} byte {:?} ctx {:?}", good[pos] as char, String::from_utf8_lossy(&good[pos.saturating_sub(60)..(pos+30).min(len)])); }
        }
    }
    eprintln!("total valid {n} of {len}");
}
