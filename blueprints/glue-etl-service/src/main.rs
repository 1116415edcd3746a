//! `glue-etl-cfsynth`: cfsynth's CLI (`synth`, `validate`, `list`, `schema`) with the
//! built-in kinds and `GlueEtlService`.

fn main() -> std::process::ExitCode {
    cfsynth::cli::run(glue_etl_blueprint::registry(), std::env::args_os())
}
