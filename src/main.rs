fn main() -> std::process::ExitCode {
    cfsynth::cli::main()
}
