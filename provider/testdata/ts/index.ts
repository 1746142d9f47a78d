// An EKS cluster with a managed and a self-managed node group from
// TypeScript, run as a Node Automation API inline program (no Node language
// host needed). The engine test (provider/engine_test.go) compiles the
// generated SDK into ./sdk/bin; a project would import "@eksfleet/eksfleet".
import * as automation from "@pulumi/pulumi/automation";
import * as eksfleet from "./sdk/bin";

const clusterName = "demo"; // plain: node groups compute tag keys from it
const version = "1.33";
const subnets = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60729"];

async function program() {
    const cluster = new eksfleet.Cluster("cluster", {
        name: clusterName,
        version,
        region: "us-west-2",
        vpcId: "vpc-0a1b2c3d4e5f60718",
        privateSubnetIds: subnets,
        endpointPublicAccess: true,
        publicAccessCidrs: ["203.0.113.0/24"],
    });
    const fromCluster = {
        clusterName,
        clusterVersion: version,
        clusterEndpoint: cluster.endpoint,
        certificateAuthority: cluster.certificateAuthority,
        nodeSecurityGroupId: cluster.nodeSecurityGroupId,
        vpcCidr: "10.0.0.0/16",
        subnetIds: subnets,
    };
    const system = new eksfleet.ManagedNodeGroup("system", {
        ...fromCluster,
        groupName: "system",
        instanceTypes: ["m6i.large"],
        minSize: 2,
        maxSize: 3,
        labels: { role: "system" },
    });
    const workers = new eksfleet.SelfManagedNodeGroup("workers", {
        ...fromCluster,
        groupName: "workers",
        instanceTypes: ["m6i.xlarge", "m5.xlarge"],
        capacityType: "SPOT",
        minSize: 0,
        maxSize: 10,
        taints: [{ key: "dedicated", value: "batch", effect: "NoSchedule" }],
        instanceRefresh: { enabled: true, minHealthyPercentage: 90 },
    });
    return {
        clusterName: cluster.name,
        systemNodeGroup: system.nodeGroupName,
        workersAsgName: workers.asgName,
    };
}

// Up, then a second preview; prints one JSON line for the test to check.
async function main() {
    const pulumiCommand = await automation.PulumiCommand.get({ root: process.env.EKSFLEET_PULUMI_ROOT });
    const stack = await automation.LocalWorkspace.createOrSelectStack(
        { stackName: "test", projectName: "eksfleet-ts", program },
        { pulumiCommand, secretsProvider: "passphrase" },
    );
    await stack.setConfig("aws:region", { value: "us-west-2" });
    const log = (s: string) => process.stderr.write(s);
    const up = await stack.up({ onOutput: log });
    const preview = await stack.preview({ onOutput: log });
    const deployment = await stack.exportStack();
    console.log(JSON.stringify({
        up: up.summary.resourceChanges,
        preview: preview.changeSummary,
        outputs: up.outputs,
        deployment: deployment.deployment,
    }));
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
