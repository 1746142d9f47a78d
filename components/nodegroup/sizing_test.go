package nodegroup

import "testing"

func TestSizing(t *testing.T) {
	for _, tc := range []struct {
		name        string
		live        *LiveSize
		min, max    int
		wantDesired int
		wantOwned   bool
	}{
		{"new group", nil, 1, 3, 2, false},
		{"bounds unchanged", &LiveSize{1, 3, 3}, 1, 3, 2, false},
		{"min raised above the live size", &LiveSize{1, 3, 1}, 2, 3, 2, true},
		{"min raised below the live size", &LiveSize{1, 5, 4}, 2, 5, 4, true},
		{"max lowered below the live size", &LiveSize{1, 10, 8}, 1, 6, 6, true},
		{"max raised", &LiveSize{1, 3, 3}, 1, 6, 3, true},
	} {
		a := &Args{MinSize: tc.min, MaxSize: tc.max, DesiredSize: 2, Live: tc.live}
		if d, owned := Sizing(a); d != tc.wantDesired || owned != tc.wantOwned {
			t.Errorf("%s: Sizing = %d, %v; want %d, %v", tc.name, d, owned, tc.wantDesired, tc.wantOwned)
		}
	}
}
