package x365training_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/internal/golden/x365training"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

// connector is the connector folder, from generator/internal/golden/x365training.
var connector = recorder.RepoPath(4, "testdata/connectors/365Training")

const apiKey = "365-sub-key"

// conn holds the connection values for `connectorgen call`.
var conn = map[string]string{"api_key": apiKey}

var jsonHeader = map[string]string{"Content-Type": "application/json"}

func newClient(t *testing.T, srv *recorder.Server) *x365training.Client {
	t.Helper()
	c, err := x365training.New(x365training.Connection{APIKey: apiKey}, runtime.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// call runs the operation through `connectorgen call` and returns the
// request it sent, after checking the exit code (0 for a 2xx status, 1
// otherwise), stdout (the response body) and stderr (the status line).
func call(t *testing.T, srv *recorder.Server, wantStdout string, status int, args ...string) recorder.Request {
	t.Helper()
	stdout, stderr, code := srv.Call(t, connector, conn, args...)
	wantCode := 0
	if status/100 != 2 {
		wantCode = 1
	}
	if code != wantCode {
		t.Fatalf("connectorgen call: exit %d, want %d (stderr: %s)", code, wantCode, stderr)
	}
	if stdout != wantStdout {
		t.Errorf("connectorgen call: stdout %q, want %q", stdout, wantStdout)
	}
	if want := fmt.Sprintf("%d %s\n", status, http.StatusText(status)); stderr != want {
		t.Errorf("connectorgen call: stderr %q, want %q", stderr, want)
	}
	return srv.Only(t)
}

func checkRequest(t *testing.T, req recorder.Request, method, path, query string) {
	t.Helper()
	if req.Method != method || req.Path != path || req.Query != query {
		t.Errorf("request %s %s?%s, want %s %s?%s", req.Method, req.Path, req.Query, method, path, query)
	}
	if got := req.Header.Values("Ocp-Apim-Subscription-Key"); len(got) != 1 || got[0] != apiKey {
		t.Errorf("Ocp-Apim-Subscription-Key %q, want [%q]", got, apiKey)
	}
	if v, ok := req.Header["Content-Type"]; ok || len(req.Body) != 0 {
		t.Errorf("body %q (Content-Type %q), want none", req.Body, v)
	}
}

func TestListCourses(t *testing.T) {
	const resp = `{"courses":[{"courseID":"C-1","title":"Power Automate 101","rating":5,"price":19.99,"isNew":false,"publishDate":"2024-02-01T00:00:00Z"},` +
		`{"courseID":"C-2","price":0,"rating":null}],"more":true,"moreToken":"page/2"}`
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: resp})
	res, err := newClient(t, srv).ListCourses(context.Background(), &x365training.ListCoursesOptions{
		PublishedFrom: runtime.Some(runtime.DateTime("2024-01-02T03:04:05+01:00")),
		PublishedTo:   runtime.Some(runtime.NewDateTime(time.Date(2024, 6, 30, 23, 59, 59, 500_000_000, time.UTC))),
		PriceFrom:     runtime.Some(0.0),
		PriceTo:       runtime.Some(1e6),
		IsNew:         runtime.Some(false),
		MoreToken:     runtime.Some("tok/+=="),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &x365training.CourseSummaryResponse{
		Courses: []x365training.CourseSummaryResponseCoursesItem{
			{
				CourseID: runtime.Some("C-1"), Title: runtime.Some("Power Automate 101"), Rating: runtime.Some[int32](5),
				Price: runtime.Some(19.99), IsNew: runtime.Some(false), PublishDate: runtime.Some("2024-02-01T00:00:00Z"),
			},
			{CourseID: runtime.Some("C-2"), Price: runtime.Some(0.0)},
		},
		More:      runtime.Some(true),
		MoreToken: runtime.Some("page/2"),
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("result %+v, want %+v", res, want)
	}
	req := srv.Only(t)
	// Date-times are sent as their text, numbers without exponent, zero
	// values that are set are sent.
	checkRequest(t, req, http.MethodGet, "/ListCourses",
		"PublishedFrom=2024-01-02T03%3A04%3A05%2B01%3A00&PublishedTo=2024-06-30T23%3A59%3A59.5Z&PriceFrom=0&PriceTo=1000000&IsNew=false&moreToken=tok%2F%2B%3D%3D")
	recorder.Same(t, req, call(t, srv, resp, 200,
		"--param", "PublishedFrom=2024-01-02T03:04:05+01:00", "--param", "PublishedTo=2024-06-30T23:59:59.5Z",
		"--param", "PriceFrom=0", "--param", "PriceTo=1000000", "--param", "IsNew=false", "--param", "moreToken=tok/+==",
		"ListCourses"))
}

func TestGetCourse(t *testing.T) {
	const resp = `{"courseID":"c 1&2","title":"Dataverse","price":49.5,"instructors":[{"id":"i-1"},"x"],` +
		`"modules":[{"moduleID":"m1","sequence":1,"units":[{"unitID":"u1","duration":15,"guests":[{"name":"Ana","onelineBIO":"MVP"}]}]}]}`
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: resp})
	res, err := newClient(t, srv).GetCourse(context.Background(), "c 1&2")
	if err != nil {
		t.Fatal(err)
	}
	want := &x365training.CourseDetail{
		CourseID:    runtime.Some("c 1&2"),
		Title:       runtime.Some("Dataverse"),
		Price:       runtime.Some(49.5),
		Instructors: []json.RawMessage{json.RawMessage(`{"id":"i-1"}`), json.RawMessage(`"x"`)},
		Modules: []x365training.CourseDetailModulesItem{{
			ModuleID: runtime.Some("m1"), Sequence: runtime.Some[int32](1),
			Units: []x365training.CourseDetailModulesItemUnitsItem{{
				UnitID: runtime.Some("u1"), Duration: runtime.Some[int32](15),
				Guests: []x365training.CourseDetailModulesItemUnitsItemGuestsItem{{Name: runtime.Some("Ana"), OnelineBio: runtime.Some("MVP")}},
			}},
		}},
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("result %+v, want %+v", res, want)
	}
	req := srv.Only(t)
	checkRequest(t, req, http.MethodGet, "/GetCourse", "id=c+1%262")
	recorder.Same(t, req, call(t, srv, resp, 200, "--param", "id=c 1&2", "GetCourse"))
}

func TestGetInstructorWithoutOptions(t *testing.T) {
	const resp = `{"instructorID":"i-1","name":"Ana","courses":[]}`
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: resp})
	res, err := newClient(t, srv).GetInstructor(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (&x365training.InstructorDetail{InstructorID: runtime.Some("i-1"), Name: runtime.Some("Ana"), Courses: []x365training.InstructorDetailCoursesItem{}}); !reflect.DeepEqual(res, want) {
		t.Errorf("result %+v, want %+v", res, want)
	}
	req := srv.Only(t)
	// The optional id is not sent at all.
	checkRequest(t, req, http.MethodGet, "/GetInstructor", "")
	recorder.Same(t, req, call(t, srv, resp, 200, "GetInstructor"))
}

func TestAddIdeaVote(t *testing.T) {
	const resp = `{"ideaID":"I-9","votes":12}`
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: resp})
	res, err := newClient(t, srv).AddIdeaVote(context.Background(), "I-9")
	if err != nil {
		t.Fatal(err)
	}
	// The "default" response has an empty schema: raw JSON.
	if string(res) != resp {
		t.Errorf("result %s, want %s", res, resp)
	}
	req := srv.Only(t)
	checkRequest(t, req, http.MethodPost, "/AddIdeaVote", "IdeaID=I-9")
	recorder.Same(t, req, call(t, srv, resp, 200, "--param", "IdeaID=I-9", "AddIdeaVote"))
}

func TestSearchError(t *testing.T) {
	const resp = `{"statusCode":403,"message":"Out of call volume quota."}`
	srv := recorder.New(t, recorder.Response{Status: http.StatusForbidden, Header: jsonHeader, Body: resp})
	res, err := newClient(t, srv).Search(context.Background(), "power apps")
	if res != nil {
		t.Errorf("result %+v, want nil", res)
	}
	var apiErr *runtime.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T), want a *runtime.Error", err, err)
	}
	if apiErr.OperationID != "Search" || apiErr.StatusCode != 403 || apiErr.Status != "403 Forbidden" || string(apiErr.Body) != resp {
		t.Errorf("error %+v, want Search 403 Forbidden with body %s", apiErr, resp)
	}
	req := srv.Only(t)
	checkRequest(t, req, http.MethodGet, "/Search", "query=power+apps")
	recorder.Same(t, req, call(t, srv, resp, 403, "--param", "query=power apps", "Search"))
}

func TestDateTimeKeepsServerText(t *testing.T) {
	// CourseUserNotification (a trigger payload) has the package's only
	// date-time model field: the server's text is kept as is, also when it
	// is not RFC 3339, and parsed on demand.
	var n x365training.CourseUserNotification
	if err := json.Unmarshal([]byte(`{"notificationid":"n1","publishdate":"2024-05-01T08:30:00.000+0000"}`), &n); err != nil {
		t.Fatal(err)
	}
	if want := runtime.Some(runtime.DateTime("2024-05-01T08:30:00.000+0000")); n.Publishdate != want {
		t.Errorf("Publishdate %#v, want %#v", n.Publishdate, want)
	}
	tm, err := n.Publishdate.V.Time()
	if err != nil || !tm.Equal(time.Date(2024, 5, 1, 8, 30, 0, 0, time.UTC)) {
		t.Errorf("Time() = %v, %v", tm, err)
	}
	var unset x365training.CourseUserNotification
	if err := json.Unmarshal([]byte(`{"publishdate":null}`), &unset); err != nil || unset.Publishdate.Set {
		t.Errorf("null publishdate: %#v, %v; want unset", unset.Publishdate, err)
	}
}
