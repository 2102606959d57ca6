#[path = "common/bgp_cases.rs"]
mod bgp_cases;
use bgp_cases::*;
use edgesim::engine::SimDuration;
fn main() {
    let mrais: Vec<SimDuration> = [0u64, 100, 250, 500, 1000, 2000, 4000].iter().map(|&x| ms(x)).collect();
    for seeds in [3u64, 5, 10, 20] {
        let mut line = String::new();
        for (n, lo, hi) in [(4u32, 10u64, 50u64), (6, 10, 50), (8, 10, 50), (10, 10, 50), (6, 50, 250), (6, 100, 500), (8, 50, 250)] {
            let c = mrai_curve(n, (ms(lo), ms(hi)), &mrais, seeds);
            line += &format!(" n{n}U{lo}:{}", mrais[argmin(&c)]);
        }
        println!("seeds {seeds}:{line}");
    }
}
