package worker

import (
	"reflect"
	"slices"
	"testing"

	"github.com/postrelease/postrelease/activities"
	"github.com/postrelease/postrelease/workflows"
)

// The worker registers activities by method name, and recorded histories
// name them: renaming a method would strand every running execution.
func TestActivityMethodsKeepTheirRegisteredNames(t *testing.T) {
	var got []string
	typ := reflect.TypeFor[*activities.Activities]()
	for i := range typ.NumMethod() {
		got = append(got, typ.Method(i).Name)
	}
	want := []string{workflows.ActivityApplyCodeFix, workflows.ActivityNotify, workflows.ActivityProjectCase, workflows.ActivityProjectShipment,
		workflows.ActivityProjectProtest, workflows.ActivityPrepareReview, workflows.ActivityProjectReview}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("activity methods %v, want exactly the registered names %v", got, want)
	}
}
