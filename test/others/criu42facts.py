# SPDX-License-Identifier: GPL-2.0
"""Facts about CRIU 4.2's command line, for the CLI tests: every long option name with its
getopt argument rule (0 none, 1 required, 2 optional as --opt=ARG), the short options, the
commands and the kernel feature names of "criu check --feature". Taken from CRIU's public
option table (criu/config.c), crtools.c and cr-check.c, names only."""

# (name, has_arg): CRIU 4.2's long options, the --no- forms of its boolean options included
LONG_OPTIONS = [
    ("tree", 1), ("leave-stopped", 0), ("leave-running", 0), ("restore-detached", 0),
    ("no-restore-detached", 0), ("restore-sibling", 0), ("no-restore-sibling", 0),
    ("daemon", 0), ("no-daemon", 0), ("images-dir", 1), ("work-dir", 1), ("log-file", 1),
    ("join-ns", 1), ("root", 1), ("ext-unix-sk", 2), ("help", 0), ("tcp-established", 0),
    ("no-tcp-established", 0), ("close", 1), ("log-pid", 0), ("no-log-pid", 0), ("version", 0),
    ("evasive-devices", 0), ("no-evasive-devices", 0), ("pidfile", 1), ("veth-pair", 1),
    ("action-script", 1), ("link-remap", 0), ("no-link-remap", 0), ("shell-job", 0),
    ("no-shell-job", 0), ("file-locks", 0), ("no-file-locks", 0), ("page-server", 0),
    ("no-page-server", 0), ("address", 1), ("port", 1), ("prev-images-dir", 1), ("ms", 0),
    ("track-mem", 0), ("no-track-mem", 0), ("auto-dedup", 0), ("no-auto-dedup", 0),
    ("libdir", 1), ("cpu-cap", 2), ("force-irmap", 0), ("no-force-irmap", 0),
    ("ext-mount-map", 1), ("exec-cmd", 0), ("manage-cgroups", 2), ("cgroup-root", 1),
    ("inherit-fd", 1), ("feature", 1), ("skip-mnt", 1), ("enable-fs", 1),
    ("enable-external-sharing", 0), ("enable-external-masters", 0), ("freeze-cgroup", 1),
    ("ghost-limit", 1), ("irmap-scan-path", 1), ("lsm-profile", 1), ("timeout", 1),
    ("external", 1), ("empty-ns", 1), ("lazy-pages", 0), ("extra", 0), ("no-extra", 0),
    ("experimental", 0), ("no-experimental", 0), ("all", 0), ("cgroup-props", 1),
    ("cgroup-props-file", 1), ("cgroup-dump-controller", 1), ("skip-in-flight", 0),
    ("no-skip-in-flight", 0), ("deprecated", 0), ("no-deprecated", 0), ("display-stats", 0),
    ("no-display-stats", 0), ("weak-sysctls", 0), ("no-weak-sysctls", 0), ("status-fd", 1),
    ("tcp-close", 0), ("no-tcp-close", 0), ("verbosity", 2), ("ps-socket", 1), ("stream", 0),
    ("no-stream", 0), ("config", 1), ("no-default-config", 0), ("tls-cacert", 1),
    ("tls-cacrl", 1), ("tls-cert", 1), ("tls-key", 1), ("tls", 0), ("no-tls", 0),
    ("tls-no-cn-verify", 0), ("cgroup-yard", 1), ("pre-dump-mode", 1), ("file-validation", 1),
    ("lsm-mount-context", 1), ("network-lock", 1), ("mntns-compat-mode", 0),
    ("no-mntns-compat-mode", 0), ("skip-file-rwx-check", 0), ("no-skip-file-rwx-check", 0),
    ("unprivileged", 0), ("no-unprivileged", 0), ("ghost-fiemap", 0), ("no-ghost-fiemap", 0),
    ("allow-uprobes", 0), ("no-allow-uprobes", 0),
]

# CRIU's getopt string: "dSsRt:hD:o:v::x::Vr:jJ:lW:L:M:", each letter with its long name
SHORT_OPTIONS = {
    "d": "restore-detached", "S": "restore-sibling", "s": "leave-stopped",
    "R": "leave-running", "t": "tree", "h": "help", "D": "images-dir", "o": "log-file",
    "v": "verbosity", "x": "ext-unix-sk", "V": "version", "r": "root", "j": "shell-job",
    "J": "join-ns", "l": "file-locks", "W": "work-dir", "L": "libdir", "M": "ext-mount-map",
}

# commands, with the words they take after them
COMMANDS = [["dump"], ["pre-dump"], ["restore"], ["lazy-pages"], ["check"], ["page-server"],
            ["service"], ["swrk", "3"], ["dedup"], ["cpuinfo", "dump"], ["cpuinfo", "check"]]
# dropped before 4.2, answered with a deprecation message (exit status 255)
REMOVED_COMMANDS = ["exec", "show"]
# gone from CRIU (remote images, 3.15): unknown to 4.2
GONE_COMMANDS = ["image-cache", "image-proxy"]

# "criu check --feature NAME", in cr-check.c's order
FEATURES = [
    "mnt_id", "mem_dirty_track", "aio_remap", "timerfd", "tun", "tun_ns", "userns",
    "fdinfo_lock", "seccomp_suspend", "seccomp_filters", "loginuid", "cgroupns", "autofs",
    "tcp_half_closed", "compat_cr", "uffd", "uffd-noncoop", "can_map_vdso", "sk_ns",
    "sk_unix_file", "net_diag_raw", "nsid", "link_nsid", "kcmp_epoll", "timens",
    "external_net_ns", "clone3_set_tid", "newifindex", "nftables", "has_ipt_legacy",
    "pidfd_store", "ns_pid", "apparmor_stacking", "network_lock_nftables", "sockopt_buf_lock",
    "memfd_hugetlb", "move_mount_set_group", "openat2", "get_rseq_conf", "ipv6_freebind",
    "pagemap_scan", "timer_cr_ids", "overlayfs_maps", "pagemap_scan_guard_pages",
    "binfmt_misc_sandboxing",
]

# stats.proto of CRIU 4.2: the fields its stats-dump and stats-restore always carry
DUMP_STATS = ["freezing_time", "frozen_time", "memdump_time", "memwrite_time",
              "pages_scanned", "pages_skipped_parent", "pages_written", "irmap_resolve",
              "pages_lazy", "page_pipes", "page_pipe_bufs", "shpages_scanned",
              "shpages_skipped_parent", "shpages_written"]
RESTORE_STATS = ["pages_compared", "pages_skipped_cow", "forking_time", "restore_time",
                 "pages_restored", "resume_time"]
