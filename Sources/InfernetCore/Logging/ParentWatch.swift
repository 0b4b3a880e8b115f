import CProcessControl
import Foundation

/// Makes a process die with the supervisor that started it, so a `kill -9` of `infernet-node`
/// leaves no orphan worker holding the HTTP port, the bus or a SQLite file.
///
/// The supervisor passes its PID in `INFERNET_PARENT_PID`. At start the child asks the kernel
/// for SIGKILL on the parent's death (`PR_SET_PDEATHSIG`), then compares `getppid()` with the
/// expected PID: a parent that died before the `prctl` (the race PDEATHSIG alone misses) means
/// exit now. A watcher thread keeps comparing once a second, for the cases the kernel signal
/// misses (it follows the forking *thread*, and is cleared by a set-uid exec).
public enum ParentWatch {
    /// The environment variable the supervisor sets on every child it starts.
    public static let variable = "INFERNET_PARENT_PID"

    /// Arms the parent-death signal and the watcher when started by a supervisor; a no-op
    /// otherwise (a worker started by hand or by systemd on a GPU host).
    public static func start(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let text = environment[variable], let parent = Int32(text), parent > 1 else { return }
        // Not inherited by what this process starts (containers get their own shim).
        unsetenv(variable)
        armParentDeathSignal(expectedParent: parent)
        let thread = Thread {
            while true {
                Thread.sleep(forTimeInterval: 1)
                if getppid() != parent { exitOrphaned(parent: parent) }
            }
        }
        thread.name = "parent-watch"
        thread.start()
    }

    /// `prctl(PR_SET_PDEATHSIG, SIGKILL)`, then exits at once if the parent is already gone.
    public static func armParentDeathSignal(expectedParent parent: Int32) {
        _ = infernet_set_parent_death_signal(SIGKILL)
        if getppid() != parent { exitOrphaned(parent: parent) }
    }

    /// The exec shim for processes that are not ours (local `command` containers): arm the
    /// parent-death signal, which survives `execv`, then become `arguments[0]`.
    public static func exec(_ arguments: [String], expectedParent parent: Int32) -> Never {
        armParentDeathSignal(expectedParent: parent)
        guard let path = arguments.first else {
            FileHandle.standardError.write(Data("infernet-node exec-child: nothing to run\n".utf8))
            _exit(64)
        }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv(path, &argv)
        FileHandle.standardError.write(Data("infernet-node exec-child: cannot run \(path): \(String(cString: strerror(errno)))\n".utf8))
        _exit(127)
    }

    private static func exitOrphaned(parent: Int32) -> Never {
        let message = "infernet: parent process \(parent) is gone; exiting so no orphan is left behind\n"
        FileHandle.standardError.write(Data(message.utf8))
        _exit(70)
    }
}
