import ArgumentParser
struct ValidateCommand: ParsableCommand { func run() throws {} }
