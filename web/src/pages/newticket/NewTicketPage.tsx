// New ticket: /new chooses a type, /new/:type fills in its form.
import { useParams } from "react-router";
import { NewTicketForm } from "./NewTicketForm";
import { TypeChooser } from "./TypeChooser";

export default function NewTicketPage() {
  const { type } = useParams();
  return type ? <NewTicketForm slug={type} /> : <TypeChooser />;
}
