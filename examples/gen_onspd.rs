//! Writes an ONSPD-shaped CSV for benchmarks: the real release's 53 columns,
//! unique valid postcodes in published order, 10% terminated.
//!
//! `cargo run --release --example gen_onspd -- ROWS OUT.csv`

use std::fs::File;
use std::io::{BufWriter, Write};

const HEADER: &str = "pcd7,pcd8,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,osnrth1m,osgrdind,oshlthau,nhser,ctry,rgn,streg,pcon,eer,teclec,ttwa,pct,itl,statsward,oa01,casward,npark,lsoa01,msoa01,ur01ind,oac01,oa11,lsoa11,msoa11,wz11,sicbl,bua11,ru11ind,oac11,lat,long,lep1,lep2,pfa,imd,calncv,icb,oa21,lsoa21,msoa21";
const AREAS: [&str; 40] = [
    "AB", "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "CA", "CB", "CF", "CH", "CM",
    "CO", "CR", "CT", "CV", "CW", "DA", "DE", "DH", "DL", "DN", "DT", "DY", "E", "EC", "EH", "EN",
    "EX", "FY", "G", "GL", "GU", "HA", "HD", "HG",
];
const UNIT: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
const DISTRICTS: [&str; 8] = [
    "E07000123",
    "E07000126",
    "E08000003",
    "E06000008",
    "E09000001",
    "W06000015",
    "S12000033",
    "E06000064",
];

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_700_000);
    let out = args.next().unwrap_or_else(|| "onspd_bench.csv".into());
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&out)?);
    writeln!(w, "{HEADER}")?;
    let mut n = 0;
    'all: for area in AREAS {
        for district in 1..=99 {
            for sector in 0..10 {
                for a in UNIT {
                    for b in UNIT {
                        if n == rows {
                            break 'all;
                        }
                        let outward = format!("{area}{district}");
                        let pcds = format!("{outward} {sector}{}{}", *a as char, *b as char);
                        let pcd7 = format!("{outward:<4}{sector}{}{}", *a as char, *b as char);
                        let lad = DISTRICTS[n % DISTRICTS.len()];
                        let nation = &lad[..1];
                        let doterm = if n % 10 == 0 { "201905" } else { "" };
                        let imd = 1 + (n * 7919) % 32_844;
                        writeln!(
                            w,
                            "{pcd7},{pcd7},{pcds},198001,{doterm},{nation}99999999,{nation}99999999,{lad},{nation}05012{:03},{nation}43000123,0,{},{},1,{nation}18000002,{nation}40000010,{nation}92000001,{nation}12000002,0,{nation}14000889,{nation}15000002,{nation}09000002,{nation}30000234,{nation}16000123,{nation}06000012,99ZZ00,{nation}00012345,30UKGF,{nation}99999999,{nation}01012345,{nation}02002345,A1,2B1,{nation}00123456,{nation}01025{:03},{nation}02004{:03},{nation}33012345,{nation}38000227,{nation}34004567,C1,2R1,53.76{:04},-2.70{:04},{nation}37000019,,{nation}23000003,{imd},{nation}56000013,{nation}54000048,{nation}00167{:03},{nation}01035{:03},{nation}02006{:03}",
                            n % 1000,
                            350_000 + n % 9_000,
                            420_000 + n % 9_000,
                            n % 1000,
                            n % 1000,
                            n % 10_000,
                            n % 10_000,
                            n % 1000,
                            n % 1000,
                            n % 1000
                        )?;
                        n += 1;
                    }
                }
            }
        }
    }
    w.flush()?;
    eprintln!("wrote {n} rows to {out}");
    Ok(())
}
