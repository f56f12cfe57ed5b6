package emit

import (
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/connectorgen/connectorgen/generator/ir"
)

// triggers emits the typed subscriber of every trigger: PollX for polling
// triggers, SubscribeX/DeliverX/UnsubscribeX for webhooks, over the
// runtime's durable runners.
func triggers(f *jen.File, p *ir.Package) bool {
	for _, t := range p.Triggers {
		if t.Setup.Options != "" {
			options(f, t.Setup)
		}
		if t.Mode == ir.Polling {
			pollMethod(f, t)
		} else {
			webhookMethods(f, t)
		}
	}
	return len(p.Triggers) > 0
}

// triggerDoc is the shared part of a subscriber's doc comment.
func triggerDoc(t *ir.Trigger, first string) *docBuilder {
	d := &docBuilder{}
	d.text(first)
	if strings.TrimSpace(t.Description) != strings.TrimSpace(t.Summary) {
		d.text(t.Description)
	}
	if t.Hint != "" {
		d.text("Hint: " + t.Hint)
	}
	d.raw("\t" + t.Setup.Op.Method + " " + t.Setup.Op.Path)
	return d
}

func triggerTitle(t *ir.Trigger) string {
	if s := strings.Join(strings.Fields(t.Summary), " "); s != "" {
		return quote(s)
	}
	return t.OperationID
}

// eventType is the Go type handed to the handler.
func eventType(t *ir.Trigger) *jen.Statement {
	if t.Event == nil {
		return jen.Qual("encoding/json", "RawMessage")
	}
	return typeExpr(t.Event)
}

// handlerAdapter wraps the typed handler h into a runtime.Handler that
// decodes each event; an event that does not decode is an error of its
// delivery (retried, then a dead letter), never dropped.
func handlerAdapter(t *ir.Trigger) *jen.Statement {
	return jen.Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("ev").Qual(rt, "Event")).Error().BlockFunc(func(g *jen.Group) {
		if t.Event == nil || (t.Event.Kind == ir.Qual && t.Event.Name == "RawMessage") {
			g.Return(jen.Id("h").Call(jen.Id("ctx"), jen.Id("ev").Dot("Payload")))
			return
		}
		g.Var().Id("v").Add(eventType(t))
		g.If(jen.Err().Op(":=").Qual("encoding/json", "Unmarshal").Call(jen.Id("ev").Dot("Payload"), jen.Op("&").Id("v")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))
		g.Return(jen.Id("h").Call(jen.Id("ctx"), jen.Id("v")))
	})
}

func handlerParam(t *ir.Trigger) jen.Code {
	return jen.Id("h").Func().Params(jen.Qual("context", "Context"), eventType(t)).Error()
}

func setupParams(a *ir.Action) []jen.Code {
	var ps []jen.Code
	for _, p := range a.Op.Params {
		if p.Exposure == ir.Positional {
			ps = append(ps, jen.Id(p.GoName).Add(positionalType(p)))
		}
	}
	if a.Options != "" {
		ps = append(ps, jen.Id("opts").Op("*").Id(a.Options))
	}
	return ps
}

func pollMethod(f *jen.File, t *ir.Trigger) {
	kind := "single"
	if t.Batch {
		kind = "batch"
	}
	first := t.RunName + " runs the polling trigger " + triggerTitle(t) + " (" + kind + ") until ctx ends: it polls with the " +
		"platform's protocol and calls h once per event, in order, at least once. State is kept in store under " +
		"cfg.Subscription; cfg.Operation, cfg.Args and cfg.Split are filled in."
	if pt := t.Setup.Op.PollingTrigger; pt != nil {
		var names []string
		for _, c := range pt.Config {
			names = append(names, strconv.Quote(c.Param))
		}
		first += " The connector's pollingtrigger policy is played by the client: the first poll only takes the baseline " +
			"(items that exist already do not fire)"
		if len(names) > 0 {
			first += " and the state (query " + strings.Join(names, ", ") + ") is computed from each response"
		}
		first += "; the backend path has no /trigger prefix."
	}
	triggerDoc(t, first).file(f)
	params := append([]jen.Code{jen.Id("ctx").Qual("context", "Context"), jen.Id("store").Qual(rt, "TriggerStore"), jen.Id("cfg").Qual(rt, "PollConfig")},
		setupParams(t.Setup)...)
	params = append(params, handlerParam(t))
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(t.RunName).Params(params...).Error().BlockFunc(func(g *jen.Group) {
		args := buildArgs(g, t.Setup)
		g.Id("cfg").Dot("Operation").Op("=").Op("&").Id(opVar(t.Setup))
		g.Id("cfg").Dot("Args").Op("=").Add(args)
		split := []jen.Code{}
		if t.Split {
			split = append(split, jen.Id("Batch").Op(":").True())
			if len(t.SplitPath) > 0 {
				var path []jen.Code
				for _, s := range t.SplitPath {
					path = append(path, jen.Lit(s))
				}
				split = append(split, jen.Id("Path").Op(":").Index().String().Values(path...))
			}
		}
		g.Id("cfg").Dot("Split").Op("=").Qual(rt, "SplitRule").Values(split...)
		g.Return(jen.Id("c").Dot("rt").Dot("RunPolling").Call(jen.Id("ctx"), jen.Id("store"), jen.Id("cfg"), handlerAdapter(t)))
	})
}

func webhookMethods(f *jen.File, t *ir.Trigger) {
	if t.SubscribeName != "" {
		triggerDoc(t, t.SubscribeName+" subscribes to the webhook trigger "+triggerTitle(t)+" as subscription id: the "+
			"callback URL of l goes into the request's notification URL property and the subscription's Location is "+
			"kept for "+t.UnsubscribeName+". Call it at every start: with the same arguments and callback URL it "+
			"resumes the stored subscription without a request; when they changed (e.g. a new public URL) it "+
			"subscribes anew and then deletes the old service-side subscription.").file(f)
		params := append([]jen.Code{jen.Id("ctx").Qual("context", "Context"), jen.Id("l").Op("*").Qual(rt, "Listener"), jen.Id("id").String()},
			setupParams(t.Setup)...)
		f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(t.SubscribeName).Params(params...).Error().BlockFunc(func(g *jen.Group) {
			args := buildArgs(g, t.Setup)
			var path []jen.Code
			for _, s := range t.NotificationPath {
				path = append(path, jen.Lit(s))
			}
			g.Return(jen.Id("l").Dot("Subscribe").Call(jen.Id("ctx"), jen.Id("c").Dot("rt"), jen.Id("id"), jen.Op("&").Id(opVar(t.Setup)), args,
				jen.Lit(t.BodyIndex), jen.Index().String().Values(path...)))
		})
		(&docBuilder{}).text(t.UnsubscribeName + " ends subscription id of " + t.GoName + ": DELETE on its Location, with the connection's credentials.").file(f)
		f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(t.UnsubscribeName).Params(
			jen.Id("ctx").Qual("context", "Context"), jen.Id("l").Op("*").Qual(rt, "Listener"), jen.Id("id").String(),
		).Error().Block(jen.Return(jen.Id("l").Dot("Unsubscribe").Call(jen.Id("ctx"), jen.Id("c").Dot("rt"), jen.Id("id"))))
	}
	(&docBuilder{}).text(t.RunName + " delivers the events of webhook trigger " + triggerTitle(t) + " received by l for subscription cfg.Subscription to h, in order, at least once, until ctx ends.").file(f)
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(t.RunName).Params(
		jen.Id("ctx").Qual("context", "Context"), jen.Id("store").Qual(rt, "TriggerStore"), jen.Id("l").Op("*").Qual(rt, "Listener"),
		jen.Id("cfg").Qual(rt, "DeliveryConfig"), handlerParam(t),
	).Error().Block(jen.Return(jen.Qual(rt, "RunWebhook").Call(jen.Id("ctx"), jen.Id("store"), jen.Id("l"), jen.Id("cfg"), handlerAdapter(t))))
}
