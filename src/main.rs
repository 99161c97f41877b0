fn main() -> std::process::ExitCode {
    aws_as::main_entry(std::env::args_os().collect())
}
