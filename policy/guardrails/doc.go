// Package guardrails is the eksfleet policy pack: the rules of
// policy/catalog written once in Go over Pulumi's analyzer view of
// resources (policyx.AnalyzerResource), and run in three places:
//
//   - by the Pulumi engine, through the pack in policy/ (`pulumi preview
//     --policy-pack policy`), built from NewPack;
//   - in process by `eksfleet plan`, through Evaluate, whose violations go
//     into the plan JSON (exit 2 on a mandatory one);
//   - in tests, through the same Evaluate over synthetic resources and
//     over every bundled stack.
//
// Rules read the raw pulumi-aws resources, with property names as the
// provider schema spells them (aws:ec2/launchTemplate:LaunchTemplate,
// aws:autoscaling/group:Group, aws:eks/cluster:Cluster, ...), so they hold
// whether a resource came from eksfleet's components, pulumi-eks or
// anywhere else. Stack rules join resources the way previews allow, when
// IDs are still unknown: by ID, else by property dependencies, else by
// dependencies; they decode node user data (AL2023 NodeConfig MIME parts,
// Bottlerocket TOML, AL2 bootstrap.sh flags) to compare it with the
// autoscaler's tags and the proxy settings.
//
// A value a rule cannot check, because it is unknown until deployment or
// unreadable, is never taken as passing: it is reported under the
// cannot-verify policy (advisory unless configured otherwise).
//
// Levels come from the catalogue's per-environment defaults, overridden
// per rule by Settings.Enforcement (`eksfleet:policy.enforcement` in the
// stack config) and, under the engine, by --policy-pack-config.
package guardrails
