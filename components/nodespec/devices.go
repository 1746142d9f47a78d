package nodespec

import (
	"fmt"
	"slices"

	"github.com/eksfleet/eksfleet/components/bootstrap"
)

// Device names of the EKS-optimized AMIs. AL2023 and AL2 boot from one root
// volume; Bottlerocket keeps its OS on /dev/xvda and images, container data
// and kubelet state on /dev/xvdb, so that is the volume to size.
const (
	RootDevice             = "/dev/xvda"
	BottlerocketDataDevice = "/dev/xvdb"
)

// VolumeTypes are the EBS types a node volume may use.
var VolumeTypes = []string{"gp3", "gp2", "io1", "io2"}

// Volume is a node group's volume settings: the root volume (AL2023, AL2)
// or the data volume (Bottlerocket), which is where the kubelet's
// ephemeral storage lives in both cases.
type Volume struct {
	SizeGiB   int
	Type      string // default gp3
	Encrypted bool
	KMSKeyARN string // optional customer-managed key
}

// BlockDevice is one launch template block device mapping. Volumes are
// always deleted with the instance: nodes are replaceable.
type BlockDevice struct {
	DeviceName string
	// SizeGiB 0 keeps the size of the AMI's snapshot.
	SizeGiB   int
	Type      string
	Iops      int // 0: the type's default (gp3 3000)
	Encrypted bool
	KMSKeyARN string
}

// provisionedIops is what an io1/io2 volume gets, as the config has no iops
// key and both types require one: 3000 (gp3's baseline), lowered to io1's
// 50 IOPS per GiB limit for small volumes.
func provisionedIops(sizeGiB int) int { return min(3000, 50*sizeGiB) }

// BlockDevices returns the block device mappings for an AMI family:
//   - AL2023, AL2: the root volume /dev/xvda with the group's settings;
//   - Bottlerocket: the OS volume /dev/xvda at its snapshot size, encrypted
//     like the data volume, and the data volume /dev/xvdb with the group's
//     settings.
func BlockDevices(f bootstrap.Family, v Volume) ([]BlockDevice, error) {
	if v.Type == "" {
		v.Type = "gp3"
	}
	if !slices.Contains(VolumeTypes, v.Type) {
		return nil, fmt.Errorf("volume type %q is not one of %v", v.Type, VolumeTypes)
	}
	if v.SizeGiB < 1 {
		return nil, fmt.Errorf("volume size %d GiB must be at least 1 (the EKS AMIs need 20)", v.SizeGiB)
	}
	if v.KMSKeyARN != "" && !v.Encrypted {
		return nil, fmt.Errorf("volume KMS key %q is set but encryption is off", v.KMSKeyARN)
	}
	main := BlockDevice{SizeGiB: v.SizeGiB, Type: v.Type, Encrypted: v.Encrypted, KMSKeyARN: v.KMSKeyARN}
	if v.Type == "io1" || v.Type == "io2" {
		main.Iops = provisionedIops(v.SizeGiB)
	}
	if family(f) == bootstrap.Bottlerocket {
		main.DeviceName = BottlerocketDataDevice
		os := BlockDevice{DeviceName: RootDevice, Type: "gp3", Encrypted: v.Encrypted, KMSKeyARN: v.KMSKeyARN}
		return []BlockDevice{os, main}, nil
	}
	main.DeviceName = RootDevice
	return []BlockDevice{main}, nil
}
