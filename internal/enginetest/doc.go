// Package enginetest runs Pulumi programs against the real Pulumi engine
// (the CLI built by .ci/tools.sh, driven through the Automation API with a
// file backend) while every cloud call goes to test doubles.
//
// The pieces:
//
//   - [StartFakeAWS] and [StartFakeKubernetes] serve in-process providers
//     for the "aws" and "kubernetes" packages. The engine attaches to them
//     through PULUMI_DEBUG_PROVIDERS. They are small but honest: Check
//     rejects types that are not modelled and, for aws, applies the real
//     provider's rules from internal/awsfacts (autonames and their length
//     limits, name validators, required and conflicting inputs), Create
//     invents IDs and ARNs and refuses names AWS already has, Diff compares
//     old and new inputs (and reports the replacements the upstream schema
//     forces), Read/Update/Delete work against an in-memory store, and
//     Invoke answers the usual data sources. Every call is kept in a
//     [Recorder].
//   - [StartEKSProvider] runs the real pulumi-eks provider from the npm
//     package @pulumi/eks (installed by .ci/tools.sh) so the genuine
//     eks:index:Cluster Construct runs, registering its children against
//     the fakes.
//   - [NewStack] creates an inline Automation API stack wired to all of the
//     above with a temporary PULUMI_HOME and file backend, no plugin
//     downloads and no update checks.
//   - [LookupTools] / [RequireTools] find the tools; engine tests skip when
//     they are missing unless EKSFLEET_ENGINE_TESTS=1.
//
// Typical use:
//
//	tools := enginetest.RequireTools(t)
//	aws := enginetest.StartFakeAWS(t)
//	k8s := enginetest.StartFakeKubernetes(t)
//	eks := enginetest.StartEKSProvider(t, tools)
//	stack := enginetest.NewStack(t, tools, enginetest.StackOptions{
//		Program:   program,
//		Providers: []enginetest.Attachable{aws, k8s, eks},
//		Config:    map[string]string{"aws:region": "us-west-2"},
//	})
//	_, err := stack.Up(ctx)
package enginetest
