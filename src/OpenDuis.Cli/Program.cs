Console.WriteLine("openduis");
