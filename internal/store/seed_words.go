package store

// Word lists for Seed. Small and plain: the point is text that looks like
// writing, with a realistic spread of lengths, not prose.

var seedAdjectives = []string{
	"quiet", "brave", "clever", "gentle", "rapid", "silent", "curious", "bright", "calm", "eager",
	"fancy", "happy", "jolly", "keen", "lively", "mighty", "nimble", "proud", "witty", "zesty",
	"bold", "cosmic", "daring", "electric", "fearless", "golden", "humble", "icy", "jazzy", "kind",
	"lucky", "mellow", "noble", "odd", "plucky", "quirky", "rustic", "sunny", "tidy", "urban",
	"vivid", "wild", "young", "zen", "ancient", "binary", "crimson", "dusty", "early", "frosty",
}

var seedNouns = []string{
	"otter", "falcon", "maple", "river", "comet", "badger", "lantern", "harbor", "pixel", "meadow",
	"tiger", "willow", "beacon", "canyon", "dolphin", "ember", "fjord", "glacier", "heron", "island",
	"jaguar", "kettle", "lynx", "mango", "nebula", "orchid", "panda", "quartz", "raven", "summit",
	"tundra", "umbrella", "valley", "walrus", "yak", "zephyr", "acorn", "bison", "cedar", "delta",
	"engine", "forest", "garden", "hammer", "iris", "journal", "kernel", "ladder", "marble", "needle",
}

var seedTopics = []string{
	"caching", "databases", "testing", "concurrency", "deployment", "monitoring", "logging", "security",
	"performance", "pagination", "indexes", "migrations", "queues", "streams", "APIs", "GraphQL",
	"microservices", "monoliths", "containers", "CI pipelines", "code review", "refactoring", "type systems",
	"error handling", "observability", "feature flags", "load balancing", "rate limiting", "websockets",
	"authentication", "sessions", "background jobs", "search", "accessibility", "design systems",
	"state management", "build tools", "dependency injection", "event sourcing", "schema design",
}

var seedVerbs = []string{
	"build", "debug", "scale", "design", "ship", "test", "measure", "simplify", "refactor", "deploy",
	"document", "profile", "secure", "automate", "rethink", "learn", "teach", "organize", "tune", "review",
}

// seedTitleForms are the shapes of article titles: %[1]s a verb, %[2]s a
// topic, %[3]s an adjective, %[4]s a noun, %[5]d a number.
var seedTitleForms = []string{
	"How to %[1]s %[2]s",
	"Why %[2]s matters",
	"%[5]d lessons about %[2]s",
	"A %[3]s guide to %[2]s",
	"What the %[4]s taught me about %[2]s",
	"Stop trying to %[1]s %[2]s",
	"The %[3]s way to %[1]s %[2]s",
	"%[2]s in %[5]d minutes",
	"Notes on %[2]s and the %[3]s %[4]s",
	"We had to %[1]s %[2]s. Here is what happened",
	"Understanding %[2]s",
	"%[5]d mistakes I made with %[2]s",
}

var seedSentenceWords = []string{
	"the", "a", "we", "it", "this", "that", "our", "every", "some", "most", "team", "code", "system",
	"service", "request", "user", "data", "query", "change", "release", "problem", "idea", "question",
	"answer", "result", "test", "bug", "fix", "plan", "review", "build", "server", "client", "cache",
	"index", "table", "row", "page", "cursor", "budget", "deadline", "week", "day", "morning", "is",
	"was", "becomes", "needs", "makes", "keeps", "breaks", "finds", "shows", "takes", "runs", "reads",
	"writes", "fails", "works", "waits", "grows", "with", "without", "before", "after", "under", "over",
	"into", "from", "for", "and", "but", "so", "because", "when", "while", "until", "slowly", "quickly",
	"again", "always", "never", "rarely", "often", "simply", "really", "almost", "small", "large", "old",
	"new", "fast", "slow", "simple", "hard", "clear", "strange", "obvious", "careful", "honest", "tiny",
}

var seedBios = []string{
	"Writes code, breaks it, writes about it.",
	"Backend engineer. Coffee first.",
	"I like databases more than I should.",
	"Frontend by day, gardener by night.",
	"Learning in public.",
	"Ex-physicist, current debugger.",
	"Building small tools for big teams.",
	"Opinions are my cat's.",
	"Maintainer of a few things you may have used.",
	"Teaching computers to be patient.",
}

// seedTagWords are the tag vocabulary; Seed uses the first seedTagCount,
// made distinct with a suffix where the list runs out.
var seedTagWords = []string{
	"go", "rust", "python", "javascript", "typescript", "java", "kotlin", "swift", "ruby", "elixir",
	"haskell", "scala", "clojure", "zig", "c", "cpp", "csharp", "php", "perl", "lua",
	"react", "vue", "svelte", "angular", "solid", "htmx", "css", "html", "webassembly", "node",
	"deno", "bun", "graphql", "rest", "grpc", "websockets", "http", "dns", "tls", "tcp",
	"postgres", "sqlite", "mysql", "redis", "kafka", "rabbitmq", "elasticsearch", "mongodb", "cassandra", "clickhouse",
	"docker", "kubernetes", "terraform", "ansible", "nix", "linux", "bsd", "windows", "macos", "shell",
	"git", "ci", "cd", "devops", "sre", "observability", "logging", "metrics", "tracing", "alerting",
	"security", "auth", "oauth", "crypto", "privacy", "compliance", "testing", "tdd", "fuzzing", "benchmarks",
	"performance", "profiling", "memory", "concurrency", "async", "actors", "distributed", "consensus", "raft", "caching",
	"architecture", "ddd", "microservices", "monolith", "serverless", "edge", "cloud", "aws", "gcp", "azure",
	"ml", "ai", "llm", "data", "analytics", "etl", "spark", "pandas", "numpy", "jupyter",
	"career", "interviews", "hiring", "management", "leadership", "remote", "productivity", "writing", "learning", "mentoring",
	"opensource", "licensing", "community", "burnout", "startups", "freelance", "design", "ux", "accessibility", "i18n",
	"mobile", "android", "ios", "flutter", "reactnative", "games", "graphics", "audio", "embedded", "iot",
	"compilers", "interpreters", "parsers", "typesystems", "functional", "oop", "patterns", "refactoring", "legacy", "codereview",
	"algorithms", "datastructures", "math", "statistics", "databases", "indexes", "migrations", "orm", "sql", "nosql",
	"apis", "sdk", "cli", "tui", "editors", "vim", "emacs", "vscode", "tools", "automation",
	"networking", "browsers", "dom", "animation", "svg", "canvas", "webgl", "pwa", "seo", "performance-budget",
	"search", "queues", "streams", "events", "cqrs", "sagas", "scheduling", "cron", "batch", "realtime",
	"history", "ethics", "hardware", "keyboards", "homelab", "retro", "books", "talks", "conferences", "tutorial",
}
