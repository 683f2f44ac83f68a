//! `search`: the API's directory search over a synthetic 50,000-principal
//! installation, through the real service (`App::search` on a snapshot
//! loaded from a SQLite store), with SQLite FTS5 as the peer in the same run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use suveren_domain::search::SearchIndex;
use suveren_domain::{PrincipalKind, OPERATOR_REALM};
use suveren_policy::{authorize, Action, Actor, Resource, Via};
use suveren_service::{now_unix, App, Ctx, Settings};
use suveren_store::{Batch, Op};

use crate::fts::Fts;
use crate::queries::{self, Category};
use crate::stats::{self, Samples};
use crate::synth::{self, Synthetic};

pub struct Args {
    pub principals: usize,
    pub per_category: usize,
    pub warmup: usize,
    pub seed: u64,
    pub peer: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ActorKind {
    Employee,
    Pupil,
    Admin,
}

impl ActorKind {
    fn label(self) -> &'static str {
        match self {
            ActorKind::Employee => "employee",
            ActorKind::Pupil => "pupil",
            ActorKind::Admin => "tenant admin",
        }
    }
}

struct Query {
    category: Category,
    text: String,
    /// Letters typed, for prefix queries.
    letters: usize,
    actor: ActorKind,
    ctx: Ctx,
    fts_expr: String,
}

fn ctx_for(p: &suveren_domain::Principal, i: usize) -> Ctx {
    Ctx {
        actor: Actor {
            principal: Some(p.clone()),
            mfa: p.has_role(suveren_domain::Role::TenantAdmin),
            via: Via::Session,
            grants: Vec::new(),
        },
        action: Action::DirectorySearch,
        client: None,
        request_id: format!("bench-{i}"),
        session: None,
        note: None,
    }
}

fn make_queries(s: &Synthetic, per_category: usize, seed: u64) -> Vec<Query> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let (emp, pup, adm) = s.actors();
    let mut out = Vec::with_capacity(per_category * 3);
    for category in Category::ALL {
        let mut made = 0;
        while made < per_category {
            // Whom the query is about: anyone in the installation.
            let target = &s.principals[rng.gen_range(0..s.principals.len())];
            let text = match category {
                Category::Prefix => queries::prefix(&mut rng, target),
                Category::FullName => queries::full_name(&mut rng, target),
                Category::Typo => match queries::typo(&mut rng, target) {
                    Some(t) => t,
                    None => continue,
                },
            };
            let (actor, idx) = match rng.gen_range(0..100) {
                0..=44 => (ActorKind::Employee, *emp.choose(&mut rng).expect("employees")),
                45..=89 => (ActorKind::Pupil, *pup.choose(&mut rng).expect("pupils")),
                _ => (ActorKind::Admin, *adm.choose(&mut rng).expect("admins")),
            };
            let terms = queries::terms(&text);
            out.push(Query {
                category,
                letters: text.chars().count(),
                actor,
                ctx: ctx_for(&s.principals[idx], out.len()),
                fts_expr: Fts::expression(&terms),
                text,
            });
            made += 1;
        }
    }
    out
}

/// Loads the synthetic directory into the service's SQLite store in one batch.
async fn populate(app: &App, s: &Synthetic) -> anyhow::Result<()> {
    let mut b = Batch::new();
    for t in &s.tenants {
        b.ops.push(Op::insert("tenant", &t.id, &t.id, None, t));
    }
    for u in &s.org_units {
        b.ops.push(Op::insert("org_unit", &u.id, &u.tenant, None, u));
    }
    for p in &s.principals {
        b.ops.push(Op::insert("principal", &p.id, &p.tenant, None, p));
    }
    for g in &s.segments {
        b.ops.push(Op::insert("segment", &g.id, &g.tenant, None, g));
    }
    for r in &s.barriers {
        b.ops.push(Op::insert("barrier", &r.id, &r.tenant, None, r));
    }
    for l in &s.links {
        b.ops.push(Op::insert("federation", &l.id, OPERATOR_REALM, None, l));
    }
    app.store.commit(b).await?;
    Ok(())
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

struct Row {
    suveren: Duration,
    fts_ranked: Duration,
    fts_unranked: Duration,
    suveren_results: usize,
    fts_results: usize,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    println!("# suveren-bench search");
    println!("machine: {}", stats::machine());
    println!(
        "principals: {}, queries per category: {}, warm-up: {}, seed: {}",
        args.principals, args.per_category, args.warmup, args.seed
    );
    let rss0 = stats::rss_mib();
    let t = Instant::now();
    let synth = synth::generate(args.principals, args.seed);
    let gen_took = t.elapsed();
    let rss_gen = stats::rss_mib();
    let kinds = |k: PrincipalKind| synth.principals.iter().filter(|p| p.kind == k).count();
    println!(
        "generated: {} tenants, {} principals ({} employees, {} pupils), {} org units, {} segments, {} barrier rules, {} federation links in {}",
        synth.tenants.len(),
        synth.principals.len(),
        kinds(PrincipalKind::Employee),
        kinds(PrincipalKind::Pupil),
        synth.org_units.len(),
        synth.segments.len(),
        synth.barriers.len(),
        synth.links.len(),
        ms(gen_took)
    );

    // Memory and build time of the snapshot, measured on its own.
    let t = Instant::now();
    let dir = synth.directory();
    let dir_took = t.elapsed();
    let rss_dir = stats::rss_mib();
    let t = Instant::now();
    let index = SearchIndex::build(&dir);
    let index_took = t.elapsed();
    let rss_index = stats::rss_mib();
    println!("Directory::new: {} ; SearchIndex::build: {} ({} principals)", ms(dir_took), ms(index_took), index.len());
    println!(
        "RSS: start {rss0:.1} MiB; after generating {rss_gen:.1} MiB; after Directory::new {rss_dir:.1} MiB (+{:.1}); after SearchIndex::build {rss_index:.1} MiB (+{:.1})",
        rss_dir - rss_gen,
        rss_index - rss_dir
    );

    // The real service on a SQLite store holding the same directory.
    let data = tempfile::tempdir()?;
    let app: Arc<App> = App::open_embedded(data.path(), Settings::default()).await?;
    let t = Instant::now();
    populate(&app, &synth).await?;
    let populate_took = t.elapsed();
    let t = Instant::now();
    app.reload().await?;
    let reload_took = t.elapsed();
    println!(
        "service: one Batch of {} objects committed to SQLite in {}; App::reload (read + decode + Directory::new + SearchIndex::build) in {}; RSS now {:.1} MiB",
        synth.tenants.len() + synth.org_units.len() + synth.principals.len() + synth.segments.len() + synth.barriers.len() + synth.links.len(),
        secs(populate_took),
        secs(reload_took),
        stats::rss_mib()
    );

    let fts = if args.peer {
        let (f, took) = Fts::build(&dir, &synth.principals)?;
        println!("peer: {} FTS5 index over the same principals built in {}", f.compile_options(), secs(took));
        Some(f)
    } else {
        None
    };
    drop(index);

    let qs = make_queries(&synth, args.per_category, args.seed);

    // Warm-up: caches, allocator, branch predictors.
    for q in qs.iter().step_by((qs.len() / args.warmup.max(1)).max(1)) {
        let _ = app.search(&q.ctx, &q.text, 20, None).await?;
        if let Some(f) = &fts {
            f.query(&q.fts_expr, true)?;
            f.query(&q.fts_expr, false)?;
        }
    }

    // Interleaved: each query through the service, then through the peer,
    // so both see the same machine load.
    println!("load before measuring: {}", stats::loadavg());
    let started = Instant::now();
    let cpu0 = stats::cpu_time();
    let mut rows = Vec::with_capacity(qs.len());
    for q in &qs {
        let t = Instant::now();
        let page = app.search(&q.ctx, &q.text, 20, None).await?;
        let suveren = t.elapsed();
        let suveren_results = std::hint::black_box(page).results.len();
        let (mut fts_ranked, mut fts_unranked, mut fts_results) = (Duration::ZERO, Duration::ZERO, 0);
        if let Some(f) = &fts {
            let t = Instant::now();
            fts_results = f.query(&q.fts_expr, true)?;
            fts_ranked = t.elapsed();
            let t = Instant::now();
            f.query(&q.fts_expr, false)?;
            fts_unranked = t.elapsed();
        }
        rows.push(Row { suveren, fts_ranked, fts_unranked, suveren_results, fts_results });
    }
    let wall = started.elapsed();
    println!(
        "measured {} queries in {}, using {:.2} cores (1.00 = never preempted); load after: {}",
        qs.len(),
        secs(wall),
        stats::cores_used(cpu0, stats::cpu_time(), wall),
        stats::loadavg()
    );

    println!();
    println!("## Latency per query, µs (single-threaded, one query at a time)");
    println!();
    println!("| engine | query | n | p50 | p99 | max | with results |");
    println!("|---|---|---|---|---|---|---|");
    for c in Category::ALL {
        let sel: Vec<(&Query, &Row)> = qs.iter().zip(&rows).filter(|(q, _)| q.category == c).collect();
        let mut s = Samples::with_capacity(sel.len());
        let mut fr = Samples::with_capacity(sel.len());
        let mut fu = Samples::with_capacity(sel.len());
        for (_, r) in &sel {
            s.push(r.suveren);
            fr.push(r.fts_ranked);
            fu.push(r.fts_unranked);
        }
        let hit =
            |f: &dyn Fn(&Row) -> usize| 100.0 * sel.iter().filter(|(_, r)| f(r) > 0).count() as f64 / sel.len() as f64;
        println!(
            "| Suveren `App::search` (policy-filtered page of 20+1) | {} | {} | {:.0} % |",
            c.label(),
            s.cells(),
            hit(&|r| r.suveren_results)
        );
        if fts.is_some() {
            println!(
                "| SQLite FTS5, bm25-ranked, LIMIT 21 (no policy) | {} | {} | {:.0} % |",
                c.label(),
                fr.cells(),
                hit(&|r| r.fts_results)
            );
            println!("| SQLite FTS5, unranked, LIMIT 21 (no policy) | {} | {} | |", c.label(), fu.cells());
        }
    }

    println!();
    println!("## Suveren prefix queries by letters typed and by actor, µs");
    println!();
    println!("| slice | n | p50 | p99 | max |");
    println!("|---|---|---|---|---|");
    for letters in 1..=4 {
        let mut s = Samples::default();
        for (q, r) in qs.iter().zip(&rows) {
            if q.category == Category::Prefix && q.letters == letters {
                s.push(r.suveren);
            }
        }
        println!("| {letters} letter(s) | {} |", s.cells());
    }
    for a in [ActorKind::Employee, ActorKind::Pupil, ActorKind::Admin] {
        let mut s = Samples::default();
        for (q, r) in qs.iter().zip(&rows) {
            if q.category == Category::Prefix && q.actor == a {
                s.push(r.suveren);
            }
        }
        println!("| actor: {} | {} |", a.label(), s.cells());
    }

    breakdown(&app, &qs);
    println!();
    println!("RSS at end: {:.1} MiB, peak (VmHWM) {:.1} MiB", stats::rss_mib(), stats::hwm_mib());
    Ok(())
}

/// One query's candidates time, filter time, candidates, authorize calls.
type Phases<'a> = (Duration, Duration, usize, usize, &'a Query);

/// The same loop as `App::search`, timed in its two phases: the index's
/// ranked candidates, then the policy filter until 21 are visible.
fn breakdown(app: &App, qs: &[Query]) {
    let snap = app.snapshot();
    println!();
    println!("## Where the time goes (same loop as App::search, phases timed apart), µs");
    println!();
    println!("| query | phase | n | p50 | p99 | max | mean |");
    println!("|---|---|---|---|---|---|---|");
    let mut slow_report = Vec::new();
    for c in Category::ALL {
        let mut cand = Samples::default();
        let mut filt = Samples::default();
        let mut per: Vec<Phases> = Vec::new();
        for q in qs.iter().filter(|q| q.category == c) {
            let me = q.ctx.actor.principal.as_ref().expect("signed in");
            let mut tenants: Vec<&str> = vec![me.tenant.as_str()];
            for l in snap.dir.links.iter().filter(|l| l.active()) {
                if l.tenant_a == me.tenant {
                    tenants.push(&l.tenant_b);
                } else if l.tenant_b == me.tenant {
                    tenants.push(&l.tenant_a);
                }
            }
            let t0 = Instant::now();
            let ids = snap.index.candidates(&q.text, &tenants);
            let t1 = Instant::now();
            let n_cand = ids.len();
            let now = now_unix();
            let (mut calls, mut visible) = (0usize, 0usize);
            for id in ids {
                let Some(p) = snap.dir.principals.get(id) else {
                    continue;
                };
                if p.disabled {
                    continue;
                }
                calls += 1;
                if authorize(&snap.dir, &q.ctx.actor, Action::PrincipalView, &Resource::Principal(p), now).is_allow() {
                    visible += 1;
                    if visible == 21 {
                        break;
                    }
                }
            }
            let t2 = Instant::now();
            cand.push(t1 - t0);
            filt.push(t2 - t1);
            per.push((t1 - t0, t2 - t1, n_cand, calls, q));
        }
        println!("| {} | index.candidates (match + rank) | {} | {:.0} |", c.label(), cand.cells(), cand.mean_us());
        println!(
            "| {} | policy filter (authorize per candidate) | {} | {:.0} |",
            c.label(),
            filt.cells(),
            filt.mean_us()
        );
        per.sort_by_key(|(a, b, ..)| std::cmp::Reverse(*a + *b));
        let worst = &per[..(per.len() / 100).max(1)];
        let n = worst.len() as f64;
        let mean = |f: &dyn Fn(&Phases) -> f64| worst.iter().map(f).sum::<f64>() / n;
        let all_mean = |f: &dyn Fn(&Phases) -> f64| per.iter().map(f).sum::<f64>() / per.len() as f64;
        let pupils = worst.iter().filter(|w| w.4.actor == ActorKind::Pupil).count();
        let mut examples: Vec<String> =
            worst.iter().take(6).map(|w| format!("`{}` ({}, {} cand.)", w.4.text, w.4.actor.label(), w.2)).collect();
        examples.dedup();
        slow_report.push(format!(
            "- {}: all queries: mean {:.0} candidates, {:.0} authorize calls. Slowest 1 % ({} queries): mean {:.0} µs in candidates + {:.0} µs in the filter, {:.0} candidates, {:.0} authorize calls, {} of them by pupils; e.g. {}",
            c.label(),
            all_mean(&|w| w.2 as f64),
            all_mean(&|w| w.3 as f64),
            worst.len(),
            mean(&|w| w.0.as_secs_f64() * 1e6),
            mean(&|w| w.1.as_secs_f64() * 1e6),
            mean(&|w| w.2 as f64),
            mean(&|w| w.3 as f64),
            pupils,
            examples.join(", ")
        ));
    }
    println!();
    for l in slow_report {
        println!("{l}");
    }
}
